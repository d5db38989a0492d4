@prompt
Feature: prompt=consent, prompt=none and prompt=login
  prompt=consent makes the consent dialog show on every login, even with a
  grant that covers the scopes (Auth0, "User consent and third-party
  applications"). prompt=none never shows a page (OpenID Connect Core 3.1.2.1):
  the answer is a code or an error at the callback (login_required,
  consent_required). Without a session the login page is shown; with one the
  user is not asked to log in again, unless prompt=login.

  @rule:C5
  Scenario Outline: prompt=consent shows the consent page to a <kind> application although nothing new is asked
    Given an API "Posts" with the scopes "read:posts write:posts" <api setting>
    And a <kind> application
    And a user
    And the user has signed in to the application with "read:posts"
    When the application asks for "read:posts" again with prompt=consent
    Then the consent page is shown
    When the user accepts consent
    Then the application receives an authorization code

    Examples:
      | kind                    | api setting                                               |
      | strict third-party      | that does not allow skipping consent                      |
      | first-party regular web | that does not allow skipping consent                      |
      | first-party regular web | that allows skipping consent for first-party applications |

  @rule:A4
  Scenario: prompt=none without a session answers login_required
    Given an API "Posts" with the scopes "read:posts"
    And a third-party application
    When the application asks for "read:posts" with prompt=none
    Then the application receives the error "login_required"

  @rule:A4 @rule:C1
  Scenario: prompt=none when consent is needed answers consent_required
    Given an API "Posts" with the scopes "read:posts"
    And a third-party application
    And a user
    And the user has a session at the identity provider
    When the application asks for "read:posts" with prompt=none
    Then the application receives the error "consent_required"

  # The spec leaves the code open (Auth0 documents only that the request is
  # rejected): consent_required is the mock's choice.
  @rule:A4 @rule:C6 @dialect:auth0
  Scenario: prompt=none when a login confirmation is needed is rejected
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a first-party native application with the callback "com.example.app://callback"
    And a user
    And the user has a session at the identity provider
    When the application asks for "read:posts" with prompt=none
    Then the application receives an error
    And the application's error is "consent_required" in the auth0 dialect

  @rule:A4 @rule:C2
  Scenario: prompt=none with a session and a grant that covers the scopes returns a code
    Given an API "Posts" with the scopes "read:posts"
    And a third-party application
    And a user
    And the user has granted "read:posts" to the application
    When the application asks for "read:posts" again with prompt=none
    Then the application receives an authorization code

  @rule:A3
  Scenario: without a session the login page is shown, with one it is not
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a first-party regular web application
    And a user
    When the application asks for "read:posts"
    Then the login page is shown
    When the user logs in
    Then the application receives an authorization code
    When the application asks for "read:posts" again
    Then the application receives an authorization code

  @rule:A3
  Scenario: prompt=login shows the login page even with a session
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a first-party regular web application
    And a user
    And the user has signed in to the application with "read:posts"
    When the application asks for "read:posts" again with prompt=login
    Then the login page is shown
    When the user logs in
    Then the application receives an authorization code
