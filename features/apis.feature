@apis @management
Feature: APIs and their consent settings
  An API (resource server) has an identifier (the audience), scopes with
  descriptions, skip_consent_for_verifiable_first_party_clients (off by
  default) and allow_offline_access. The Management API also accepts the
  older spellings found in Auth0's how-to pages
  ("Enable skipping user consent for APIs", "Enable token exchange for
  APIs"): skip_consent_for_verifiable_first_party with true or "true", and
  token_exchange as a list. A read shows the current names only; the old
  ones are aliases, never a second source of truth.

  @rule:P1
  Scenario: an API keeps its settings
    When the tenant admin creates an API with:
      """
      {
        "name": "Posts",
        "identifier": "{identifier}",
        "scopes": [{"value": "read:posts", "description": "Read your posts"}],
        "skip_consent_for_verifiable_first_party_clients": true,
        "allow_offline_access": true,
        "token_lifetime": 3600,
        "signing_alg": "RS256"
      }
      """
    Then the API as read back has:
      | field                                           | value                                                    |
      | scopes                                          | [{"value": "read:posts", "description": "Read your posts"}] |
      | skip_consent_for_verifiable_first_party_clients | true                                                     |
      | allow_offline_access                            | true                                                     |
      | token_lifetime                                  | 3600                                                     |
      | signing_alg                                     | "RS256"                                                  |

  @rule:P1 @rule:C3
  Scenario: skipping consent is off by default
    When the tenant admin creates an API with:
      """
      {"name": "Posts", "identifier": "{identifier}", "scopes": [{"value": "read:posts"}]}
      """
    Then the API as read back has:
      | skip_consent_for_verifiable_first_party_clients | false |
    Given a first-party regular web application
    And a user
    When the application asks for "read:posts"
    And the user logs in
    Then the consent page is shown

  @rule:P2 @rule:C4
  Scenario Outline: the older spelling skip_consent_for_verifiable_first_party: <value> turns skipping on
    When the tenant admin creates an API with:
      """
      {"name": "Posts", "identifier": "{identifier}", "scopes": [{"value": "read:posts"}], "skip_consent_for_verifiable_first_party": <value>}
      """
    Then the API as read back has:
      | skip_consent_for_verifiable_first_party_clients | true |
    And the API as read back has no field "skip_consent_for_verifiable_first_party"
    Given a first-party regular web application
    And a user
    When the application asks for "read:posts"
    And the user logs in
    Then the application receives an authorization code

    Examples:
      | value  |
      | true   |
      | "true" |

  @rule:P2
  Scenario: the old and the new name are one setting
    When the tenant admin creates an API with:
      """
      {"name": "Posts", "identifier": "{identifier}", "scopes": [{"value": "read:posts"}], "skip_consent_for_verifiable_first_party": true}
      """
    And the tenant admin updates the API with:
      """
      {"skip_consent_for_verifiable_first_party_clients": false}
      """
    Then the API as read back has:
      | skip_consent_for_verifiable_first_party_clients | false |
    And the API as read back has no field "skip_consent_for_verifiable_first_party"

  @rule:P2
  Scenario: the older token_exchange list is read back in the current form
    When the tenant admin creates an API with:
      """
      {"name": "Orders", "identifier": "{identifier}", "scopes": [{"value": "read:orders"}],
       "token_exchange": [{"enabled_subject_token_types": "urn:ietf:params:oauth:token-type:access_token"}]}
      """
    Then the API as read back has:
      | token_exchange | {"enabled_subject_token_types": ["urn:ietf:params:oauth:token-type:access_token"]} |
