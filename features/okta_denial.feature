@okta
Feature: Okta: declining consent and refused requests
  "Don't Allow" sends the user back to the app's callback with
  access_denied and the request's state. An unknown scope (invalid_scope),
  a user not assigned to the app and a request no access policy rule covers
  (access_denied) come back to the callback too; an unknown client or a
  callback the app does not list is the HTML error page, never a redirect.

  Background:
    Given a scope "orders" with consent REQUIRED
    And an Okta web app "ConsentWebApp" with consent_method REQUIRED

  @rule:O7
  Scenario: Don't Allow is access_denied at the callback with the state
    Given the test user is assigned to "ConsentWebApp"
    When the user authorizes "ConsentWebApp" with scope "openid orders"
    And the user does not allow access
    Then "ConsentWebApp" receives the error "access_denied"

  @rule:O8
  Scenario: an unknown scope is invalid_scope at the callback
    Given the test user is assigned to "ConsentWebApp"
    When the user authorizes "ConsentWebApp" with scope "openid consentry.no-such-scope"
    Then "ConsentWebApp" receives the error "invalid_scope" with the description "One or more scopes are not configured for the authorization server resource."

  @rule:O9
  Scenario: a user not assigned to the app is access_denied at the callback
    Given an Okta web app "Other" with consent_method TRUSTED
    And the test user is assigned to "Other"
    When the user authorizes "ConsentWebApp" with scope "openid"
    Then "ConsentWebApp" receives the error "access_denied" with the description "User is not assigned to the client application."

  @rule:O10
  Scenario Outline: a <what> is the error page
    When the authorization of "ConsentWebApp" is opened with <param> "<value>"
    Then the error page shows "<error>"

    Examples:
      | what           | param        | value                                   | error           |
      | unknown client | client_id    | 0oaconsentrynosuchapp                   | invalid_client  |
      | wrong callback | redirect_uri | https://app.consentry.test/not/listed   | invalid_request |
