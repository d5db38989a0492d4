@token @json
Feature: JSON bodies at the token and revocation endpoints
  Auth0's token and revocation endpoints take application/json bodies as
  well as forms (its browser SDKs send JSON). RFC 6749 asks for forms only,
  so on an IdP of another dialect a refused JSON body is reported as a
  dialect difference, not a failure.

  @rule:W3 @dialect:auth0
  Scenario: a code exchanged, and its refresh token revoked, with JSON bodies
    Given an API "Posts" with the scopes "read:posts" that allows offline access
    And a third-party application
    And a user
    When the application asks for "read:posts offline_access"
    And the user logs in
    Then the consent page is shown
    When the user accepts consent
    Then the application receives an authorization code
    And the token endpoint takes the code in a JSON body in the auth0 dialect
    And the revocation endpoint takes the refresh token in a JSON body in the auth0 dialect
