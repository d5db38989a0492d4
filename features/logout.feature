@logout
Feature: RP-initiated logout
  A server-side web application logs the user out through the discovery's
  end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0, Auth0's
  /oidc/logout) with its ID token as id_token_hint, a
  post_logout_redirect_uri among the application's allowed_logout_urls and
  a state. The identity provider ends the session and returns the browser
  there with the state; the next login asks for the password again.

  @rule:L1
  Scenario: logout returns to the application with its state and ends the session
    Given an API "Notes" with the scopes "read:notes" that allows skipping consent for first-party applications
    And a first-party regular web application
    And the application allows the logout URL "https://app.consentry.test/logged-out"
    And a user
    And the user has signed in to the application with "openid read:notes"
    And the application exchanges the code for tokens
    When the application logs the user out with its ID token and the post_logout_redirect_uri "https://app.consentry.test/logged-out"
    Then the browser returns to "https://app.consentry.test/logged-out" with the state
    When the application asks for "read:notes"
    Then the login page is shown
