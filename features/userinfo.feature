@token @userinfo
Feature: The userinfo endpoint
  OpenID Connect's userinfo endpoint (the discovery document's
  userinfo_endpoint) answers, for an access token issued with the openid
  scope, the claims of the user it was issued for. A token without openid
  gets an error there, and so does every token of a strict third-party
  application, which is never given OpenID Connect scopes (rule K2).

  Background:
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a user

  @rule:J2
  Scenario: an access token issued with openid gets the user's claims
    Given a first-party regular web application
    When the application asks for "openid read:posts"
    And the user logs in
    Then the application receives an authorization code
    When the application exchanges the code for tokens
    Then an ID token is issued for the application
    And the userinfo endpoint answers for the access token with the user's subject

  @rule:J2
  Scenario: an access token issued without openid is refused
    Given a first-party regular web application
    When the application asks for "read:posts"
    And the user logs in
    Then the application receives an authorization code
    When the application exchanges the code for tokens
    Then the userinfo endpoint refuses the access token

  @rule:J2 @rule:K2
  Scenario: a strict third-party application's access token is refused even when it asked for openid
    Given a strict third-party application
    When the application asks for "openid read:posts"
    And the user logs in
    Then the consent page is shown
    When the user accepts consent
    Then the application receives an authorization code
    When the application exchanges the code for tokens
    Then no ID token is issued
    And the userinfo endpoint refuses the access token
