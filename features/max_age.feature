@prompt @max_age
Feature: max_age asks for a recent login
  With max_age=N the user must have logged in at most N seconds ago: when
  the session's last login is older, the login page is shown again (N=0:
  always), and prompt=none, which may show no page, answers login_required
  (OpenID Connect Core 3.1.2.1). The ID token's auth_time is the time of the
  login the answer rests on. The scenarios that let time pass use the
  embedded mock's clock.

  @rule:A6 @exclusive @clock
  Scenario: a login older than max_age shows the login page again
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a first-party regular web application
    And a user
    And the user has a session at the identity provider
    When 5 seconds pass
    And the application asks for "read:posts" with max_age=2
    Then the login page is shown
    When the user logs in
    Then the application receives an authorization code

  @rule:A6 @exclusive @clock
  Scenario: a login younger than max_age is not asked again
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a first-party regular web application
    And a user
    And the user has a session at the identity provider
    When 5 seconds pass
    And the application asks for "read:posts" with max_age=60
    Then the application receives an authorization code

  @rule:A6
  Scenario: max_age=0 always shows the login page
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a first-party regular web application
    And a user
    And the user has a session at the identity provider
    When the application asks for "read:posts" with max_age=0
    Then the login page is shown

  @rule:A4 @rule:A6 @exclusive @clock
  Scenario: prompt=none with a login older than max_age answers login_required
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a first-party regular web application
    And a user
    And the user has a session at the identity provider
    When 5 seconds pass
    And the application asks for "read:posts" with prompt=none and max_age=2
    Then the application receives the error "login_required"
