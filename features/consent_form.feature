@consent @forgery
Feature: The consent form is bound to its transaction and session
  A consent decision counts only when it comes from the browser session the
  page was shown to, once, for the scopes the page listed. A form posted
  from another session, a replayed form, or a form that adds scopes is
  refused with an error page and grants nothing (RFC 9700 4.4, CSRF).

  Background:
    Given an API "Posts" with the scopes "read:posts write:posts"
    And a third-party application with the redirection policy allow_always
    And a user

  @rule:C8
  Scenario: a consent form posted from another browser session is refused
    When the application asks for "read:posts"
    And the user logs in
    Then the consent page is shown
    When another browser submits the user's consent form
    Then the error page is shown
    And the application receives no authorization code
    And the user has no grant for the application

  @rule:C8
  Scenario: a replayed consent form is refused
    When the application asks for "read:posts"
    And the user logs in
    And the user accepts consent
    Then the application receives an authorization code
    When the browser submits the same consent form again
    Then the error page is shown
    And the application receives no authorization code

  @rule:C8
  Scenario: a consent form that adds a scope is refused
    When the application asks for "read:posts"
    And the user logs in
    Then the consent page is shown
    When the consent form is submitted with the added scope "write:posts"
    Then the error page is shown
    And the application receives no authorization code
    And the user has no grant for the application
