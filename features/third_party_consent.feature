@consent @third-party
Feature: Third-party applications always ask for consent
  Auth0 ("User consent and third-party applications"): before a third-party
  application can act on a user's behalf, the user approves the permissions
  it asks for. For third-party applications consent is always required and
  no API setting skips it. Approving creates a user grant for the
  application, the API and the scopes; later logins that ask for no more
  than was granted show no consent dialog until the grant is revoked.

  @rule:C1 @rule:K2
  Scenario Outline: a <kind> application is asked for consent before its first access to an API <api setting>
    Given an API "Posts" with the scopes "read:posts write:posts" <api setting>
    And a <kind> application
    And a user
    When the application asks for "read:posts write:posts"
    And the user logs in
    Then the consent page is shown
    When the user accepts consent
    Then the application receives an authorization code
    And the code is exchanged for an access token with the scopes "read:posts write:posts"

    Examples:
      | kind                   | api setting                                               |
      | strict third-party     | that does not allow skipping consent                      |
      | strict third-party     | that allows skipping consent for first-party applications |
      | permissive third-party | that allows skipping consent for first-party applications |

  @rule:C2
  Scenario: accepting creates a grant, and a later login asking for granted scopes shows no consent page
    Given an API "Posts" with the scopes "read:posts write:posts"
    And a third-party application
    And a user
    And the user has granted "read:posts write:posts" to the application
    Then the user has a grant for the application with the scopes "read:posts write:posts"
    When the user opens a new browser
    And the application asks for "read:posts"
    Then the login page is shown
    When the user logs in
    Then the application receives an authorization code
    And the code is exchanged for an access token with the scopes "read:posts"

  @rule:C2
  Scenario: with a grant and a session, the application gets a code without any page
    Given an API "Posts" with the scopes "read:posts write:posts"
    And a third-party application
    And a user
    And the user has granted "read:posts write:posts" to the application
    When the application asks for "read:posts write:posts" again
    Then the application receives an authorization code

  @rule:C2
  Scenario: asking for more than was granted shows the consent page again, and accepting merges the scopes
    Given an API "Posts" with the scopes "read:posts write:posts delete:posts"
    And a third-party application
    And a user
    And the user has granted "read:posts" to the application
    When the application asks for "read:posts write:posts"
    Then the consent page is shown
    When the user accepts consent
    Then the application receives an authorization code
    And the user has a grant for the application with the scopes "read:posts write:posts"
