@token @password
Feature: Resource owner password grants
  Auth0 ("Password-based flows"): with the Resource Owner Password flow no
  consent dialog is involved, because the user gives their password to the
  application. No grant is needed or created. password-realm names the
  connection in realm. Strict third-party applications may not use these
  grants. Wrong credentials give 403 invalid_grant "Wrong email or password.".

  Background:
    Given an API "Posts" with the scopes "read:posts write:posts"
    And a user

  @rule:T3
  Scenario: a first-party application gets every scope of the API without consent or grant
    Given a first-party regular web application
    When the application asks for a token with the user's password
    Then the access token has the scopes "read:posts write:posts"
    And the user has no grant for the application

  @rule:T3
  Scenario: password-realm with the user's connection gets the requested scopes
    Given a first-party regular web application
    When the application asks for a token with the user's password in the user's connection for "read:posts"
    Then the access token has the scopes "read:posts"
    And the user has no grant for the application

  @rule:T3 @rule:T5 @dialect:auth0
  Scenario: wrong credentials are refused
    Given a first-party regular web application
    When the application asks for a token with a wrong password
    Then the token request is refused with the error "invalid_grant"
    And the token error has the status 403 and the description "Wrong email or password." in the auth0 dialect

  @rule:T3 @rule:K2 @dialect:auth0
  Scenario: a strict third-party application may not use the password grant
    Given a strict third-party application
    When the application asks for a token with the user's password
    Then the token request is refused with the error "unauthorized_client"
    And the token error has the status 403 in the auth0 dialect
