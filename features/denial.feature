@denial
Feature: Declining consent
  Auth0 ("Handle rejected permissions"): when the user declines, what happens
  depends on the application's redirection policy. With
  open_redirect_protection, the default for third-party applications, an
  error page is shown instead of a redirect, which prevents open redirect
  attacks. With allow_always the user is sent back to the redirect_uri with
  error=access_denied. The policy only applies to strict third-party
  applications; first-party and permissive ones always get the redirect.
  Nothing is granted after a decline.

  Background:
    Given an API "Posts" with the scopes "read:posts write:posts" that does not allow skipping consent
    And a user

  @rule:D1 @rule:D3 @rule:K3
  Scenario: a strict third-party application with open_redirect_protection shows an error page
    Given a third-party application with the redirection policy open_redirect_protection
    When the application asks for "read:posts"
    And the user logs in
    And the user declines consent
    Then the error page is shown with the status 403 and the error "access_denied"
    And the browser is not redirected to the callback
    And the user has no grant for the application

  @rule:D1 @rule:K3
  Scenario: open_redirect_protection is the default for third-party applications
    Given a third-party application
    When the application asks for "read:posts"
    And the user logs in
    And the user declines consent
    Then the error page is shown with the status 403 and the error "access_denied"
    And the browser is not redirected to the callback

  @rule:D2 @rule:D3 @rule:K3 @dialect:auth0
  Scenario Outline: a <application> gets access_denied at its callback
    Given a <application>
    When the application asks for "read:posts write:posts"
    And the user logs in
    And the user declines consent
    Then the application receives the error "access_denied"
    And the application's error description is "User did not authorize the request" in the auth0 dialect
    And the application receives no authorization code
    And the user has no grant for the application

    Examples:
      | application                                                                          |
      | strict third-party application with the redirection policy allow_always              |
      | permissive third-party application with the redirection policy open_redirect_protection |
      | first-party regular web application                                                  |
      | first-party regular web application with the redirection policy open_redirect_protection |

  @rule:D2 @dialect:auth0
  Scenario: the decline goes back to the callback by an HTTP 302 redirect
    Given a third-party application with the redirection policy allow_always
    When the application asks for "read:posts"
    And the user logs in
    And the user declines consent
    Then the application receives the error "access_denied" in the query
    And the application's error description is "User did not authorize the request" in the auth0 dialect
    And the browser reached the callback by an HTTP 302 redirect

  @rule:D3 @rule:C2
  Scenario: declining when a grant exists adds nothing to it
    Given a third-party application with the redirection policy allow_always
    And the user has granted "read:posts" to the application
    When the application asks for "read:posts write:posts"
    And the user declines consent
    Then the application receives the error "access_denied"
    And the user has a grant for the application with the scopes "read:posts"
