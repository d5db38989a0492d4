@consent @first-party
Feature: First-party applications skip consent only when the API allows it
  Auth0 ("User consent and third-party applications", "Enable skipping user
  consent for APIs"): first-party applications get the consent dialog like
  third-party ones, unless the API has "Allow Skipping User Consent"
  (skip_consent_for_verifiable_first_party_clients) on. Then a first-party
  application with a verifiable callback gets its code with no consent
  dialog and no grant is needed.

  @rule:C3
  Scenario Outline: a first-party <type> application is asked for consent when the API does not allow skipping
    Given an API "Posts" with the scopes "read:posts write:posts" that does not allow skipping consent
    And a first-party <type> application
    And a user
    When the application asks for "read:posts"
    And the user logs in
    Then the consent page is shown
    When the user accepts consent
    Then the application receives an authorization code
    And the user has a grant for the application with the scopes "read:posts"

    Examples:
      | type        |
      | regular web |
      | single-page |
      | native      |

  @rule:C4
  Scenario Outline: a first-party <type> application with a verifiable callback skips consent when the API allows it
    Given an API "Posts" with the scopes "read:posts write:posts" that allows skipping consent for first-party applications
    And a first-party <type> application with the callback "https://app.example.com/callback"
    And a user
    When the application asks for "read:posts write:posts"
    And the user logs in
    Then the application receives an authorization code
    And the user has no grant for the application
    And the code is exchanged for an access token with the scopes "read:posts write:posts"

    Examples:
      | type        |
      | regular web |
      | single-page |
      | native      |

  @rule:C4
  Scenario: with an SSO session, the first-party application gets its code without any page
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications
    And a first-party regular web application
    And a user
    And the user has a session at the identity provider
    When the application asks for "read:posts"
    Then the application receives an authorization code
