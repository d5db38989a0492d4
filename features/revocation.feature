@grants
Feature: Revoking a grant
  A user grant can be revoked through the Management API
  (DELETE /api/v2/grants/{id}, or DELETE /api/v2/grants?user_id= for every
  grant of a user; the dashboard's "Revoke" on Authorized Applications). The
  next authorization asks for consent again, and refresh tokens issued under
  the grant stop working.

  Background:
    Given an API "Posts" with the scopes "read:posts write:posts" that allows offline access
    And a third-party application
    And a user

  @rule:C9
  Scenario: revoking the grant asks for consent again and stops its refresh token
    Given the user has granted "read:posts offline_access" to the application
    And the application exchanges the code for tokens
    And a refresh token is issued
    When the tenant admin revokes the grant
    Then the user has no grant for the application
    And the refresh token no longer works
    When the application asks for "read:posts" again
    Then the consent page is shown

  @rule:C9 @exclusive
  Scenario: revoking every grant of the user asks for consent again
    Given the user has granted "read:posts" to the application
    When the tenant admin revokes every grant of the user
    And the application asks for "read:posts" again
    Then the consent page is shown
