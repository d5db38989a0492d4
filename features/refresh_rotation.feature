@token @refresh
Feature: Refresh token rotation
  An application whose refresh tokens rotate (Auth0: the client's
  refresh_token.rotation_type "rotating", with no reuse interval) gets a new
  refresh token with every refresh, and the one it sent is spent. A spent
  refresh token sent again is refused with invalid_grant, and the identity
  provider takes it for a stolen token: every refresh token descended from
  the same login stops working, the newest included.

  Background:
    Given an API "Posts" with the scopes "read:posts write:posts" that allows offline access
    And a third-party application with refresh token rotation
    And a user

  @rule:W4
  Scenario: each refresh rotates the refresh token; reusing a spent one ends the whole family
    Given the user has granted "read:posts offline_access" to the application
    And the application exchanges the code for tokens
    And a refresh token is issued
    When the application refreshes the access token
    Then a new access token is issued
    And a new refresh token is issued in place of the first
    When the application uses the first refresh token again
    Then the token request is refused with the error "invalid_grant"
    And the refresh token no longer works
