@silent
Feature: Silent authentication by web_message
  A single-page application renews its tokens without showing a page: its
  own page opens a hidden iframe to /authorize with prompt=none and
  response_mode=web_message, and the identity provider's page in the frame
  posts {type: "authorization_response", response: {code|error, state}}
  to the application's origin, which must be among the client's
  web_origins (Auth0, "Configure Silent Authentication"; auth0-spa-js
  getTokenSilently, auth0.js checkSession). The harness plays the
  application's page: it serves one on its own loopback origin, registered
  on the scenario's application; the browser runs it, the HTTP user agent
  fetches the frame's answer with the user's cookies and reads the
  response the page carries.

  @rule:W2 @rule:A4
  Scenario: after a login, silent authentication returns a code with the state exactly as sent
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a first-party single-page application
    And the application's page is on the harness's web origin
    And a user
    And the user has signed in to the application with "openid read:posts"
    When the application's page authenticates silently for "read:posts"
    Then the page receives the authorization response from the identity provider's origin
    And the application receives an authorization code by web_message
    And the code is exchanged for an access token with the scopes "read:posts"

  @rule:W2 @rule:A4
  Scenario: without a session silent authentication answers login_required
    Given a first-party single-page application
    And the application's page is on the harness's web origin
    When the application's page authenticates silently for "openid"
    Then the page receives the authorization response from the identity provider's origin
    And the application receives the error "login_required"

  @rule:W2 @rule:A4
  Scenario: silent authentication that needs consent answers consent_required
    Given an API "Posts" with the scopes "read:posts" that does not allow skipping consent
    And a first-party single-page application
    And the application's page is on the harness's web origin
    And a user
    And the user has a session at the identity provider
    When the application's page authenticates silently for "read:posts"
    Then the page receives the authorization response from the identity provider's origin
    And the application receives the error "consent_required"

  @rule:W2
  Scenario: from an origin that is not among the web_origins the identity provider refuses and posts nothing
    Given a first-party single-page application
    And the application's page is on an origin that is not among its web_origins
    And a user
    And the user has a session at the identity provider
    When the application's page authenticates silently for "openid"
    Then the identity provider refuses with an error page and posts no message
    And the application receives no authorization code

  # Over plain HTTP SameSite=None is impossible (it needs Secure): on an
  # HTTP target (the embedded mock) this scenario is not applicable. It
  # checks the cookies, not a cross-site silent authentication: that also
  # needs the browser to allow third-party cookies, which headless Chromium
  # does not (interop's TestAuth0SPAJS runs it with them allowed).
  @rule:W5
  Scenario: over HTTPS the session cookies are SameSite=None and Secure, each with a companion cookie
    Given the identity provider is served over HTTPS
    And a first-party regular web application
    And a user
    And the user has a session at the identity provider
    Then the identity provider's session cookies are SameSite=None and Secure, each with a companion cookie without SameSite
