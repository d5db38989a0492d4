@consent @confirmation
Feature: Login confirmation for non-verifiable callbacks
  Auth0 ("Measures against application impersonation"): even when consent is
  skipped for a first-party application, a login confirmation prompt may
  appear when the application uses a callback the IdP cannot verify: a
  custom URI scheme or a loopback address (localhost, 127.0.0.1, [::1]).
  It appears when the transaction would otherwise finish without any screen
  (an SSO session, no consent needed); it looks like the consent page
  without scopes. Subdomains of .localhost count as verifiable. The setting
  skip_non_verifiable_callback_uri_confirmation_prompt turns it off, on the
  application or on the tenant; the application's value wins.

  Background:
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a user

  @rule:C6 @dialect:auth0
  Scenario Outline: SSO to a first-party application with the callback <callback> asks the user to confirm
    Given a first-party native application with the callback "<callback>"
    And the user has a session at the identity provider
    When the application asks for "read:posts"
    Then the login confirmation page is shown
    And the page lists no scopes
    And the page offers the accept and decline buttons
    And the buttons read "Accept" and "Decline" in the auth0 dialect
    When the user accepts the login confirmation
    Then the application receives an authorization code
    And the user has no grant for the application

    Examples:
      | callback                        |
      | com.example.app://callback      |
      | http://localhost:3000/callback  |
      | http://127.0.0.1:51089/callback |
      | http://[::1]:8080/callback      |

  @rule:C6
  Scenario: no confirmation when the login page was already shown in the transaction
    Given a first-party native application with the callback "com.example.app://callback"
    When the application asks for "read:posts"
    Then the login page is shown
    When the user logs in
    Then the application receives an authorization code

  @rule:C6
  Scenario: no confirmation when the consent page was already shown in the transaction
    Given an API "Orders" with the scopes "read:orders" that does not allow skipping consent
    And a first-party native application with the callback "com.example.app://callback"
    And the user has a session at the identity provider
    When the application asks for "read:orders"
    Then the consent page is shown
    When the user accepts consent
    Then the application receives an authorization code

  @rule:C6
  Scenario: a subdomain of .localhost counts as verifiable
    Given a first-party regular web application with the callback "http://app.localhost:3000/callback"
    And the user has a session at the identity provider
    When the application asks for "read:posts"
    Then the application receives an authorization code

  @rule:C6 @rule:D2 @denial @dialect:auth0
  Scenario: declining the login confirmation sends access_denied to the application
    Given a first-party native application with the callback "com.example.app://callback"
    And the user has a session at the identity provider
    When the application asks for "read:posts"
    Then the login confirmation page is shown
    When the user declines the login confirmation
    Then the application receives the error "access_denied"
    And the application's error description is "User did not authorize the request" in the auth0 dialect

  @rule:K6
  Scenario: the application's setting turns the confirmation off
    Given a first-party native application with the callback "com.example.app://callback" and that skips the login confirmation prompt
    And the user has a session at the identity provider
    When the application asks for "read:posts"
    Then the application receives an authorization code

  @rule:K6 @tenant-settings @exclusive
  Scenario: the tenant's setting turns the confirmation off for applications that do not set it
    Given the tenant skips the login confirmation prompt for non-verifiable callbacks
    And a first-party native application with the callback "com.example.app://callback"
    And the user has a session at the identity provider
    When the application asks for "read:posts"
    Then the application receives an authorization code

  @rule:K6 @tenant-settings @exclusive
  Scenario: the application's setting wins over the tenant's
    Given the tenant skips the login confirmation prompt for non-verifiable callbacks
    And a first-party native application with the callback "com.example.app://callback" and that does not skip the login confirmation prompt
    And the user has a session at the identity provider
    When the application asks for "read:posts"
    Then the login confirmation page is shown
