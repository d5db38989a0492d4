@token @jwt
Feature: Tokens an application can verify
  The identity provider publishes its discovery document and its keys
  (jwks_uri). Its access tokens are JWTs signed with one of those keys,
  named by kid in their header, and carry iss, sub, aud (the API), scope,
  iat and exp, and (Auth0) azp, the application. Its ID tokens are for the
  application (aud is its client_id), carry the nonce the authorization
  request sent, and auth_time, when the user logged in (OpenID Connect
  requires it when the request has max_age, as this one does).

  @rule:J1 @dialect:auth0
  Scenario: the access and ID tokens of a code flow verify with the published keys and carry the claims applications rely on
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a first-party regular web application
    And a user
    When the application asks for "openid read:posts" with nonce=n-0S6_WzA2Mj and max_age=3600
    And the user logs in
    Then the application receives an authorization code
    When the application exchanges the code for tokens
    Then the access token is a JWT of the identity provider's keys with the claims iss, sub, aud, scope, iat and exp
    And the access token's azp is the application in the auth0 dialect
    And the ID token is for the application, with the nonce "n-0S6_WzA2Mj" and the time of the login
