@clients @management
Feature: Who owns an application
  An application is first-party or third-party (is_first_party). Applications
  a tenant admin creates through the Management API are first-party unless
  said otherwise, and ownership never changes after creation.

  @rule:K1
  Scenario: an application created through the Management API is first-party, and stays so
    Given an application created through the Management API without is_first_party
    Then the application is first-party
    When the tenant admin tries to make the application third-party
    Then the application is still first-party

  @rule:K1
  Scenario: a third-party application stays third-party
    Given a third-party application
    Then the application is third-party
