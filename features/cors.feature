@browser-apps @cors
Feature: Cross-origin calls from browser applications
  A single-page application calls the token, revocation and userinfo
  endpoints from script on its own origin. Auth0 answers CORS requests
  from the client's allowed origins (the origins of its callbacks count by
  default) with that origin in Access-Control-Allow-Origin, and a page of
  any other origin gets no CORS headers, so the browser keeps the answers
  from it. Other IdPs configure CORS their own way: on them a difference
  is reported, not failed.

  @rule:W1 @dialect:auth0
  Scenario: the application's origin may call the endpoints from script, another origin may not
    Given a first-party single-page application
    Then the token, revocation and userinfo endpoints allow scripts of the application's origin in the auth0 dialect
    And the token, revocation and userinfo endpoints allow no script of another origin in the auth0 dialect
