@token @exchange
Feature: Token exchange (On-Behalf-Of)
  An API can act as a client: a client of app_type "resource_server" linked
  to the API exchanges an access token whose audience is that API for a token
  to another API, for the same user (RFC 8693; Auth0's On-Behalf-Of flow).
  Exchange must be enabled, on the API (PATCH of the resource server, as
  Auth0's "Enable Token Exchange for APIs" shows it) or on its client (the
  on_behalf_of_token_exchange profile), and the target API must allow
  skipping consent: no user is there to consent. The new token keeps the
  user as sub, has the target API as aud, the acting client as azp and an
  act claim naming it, nested for each hop, at most 4 deep.

  The user's first access token comes from the password grant, so no user
  agent is needed; a target without it (capability password_grant) reports
  these scenarios as not applicable.

  Background:
    Given an API "Orders" with the scopes "read:orders write:orders" that allows skipping consent for first-party applications
    And an API "Billing" with the scopes "read:invoices write:invoices" that allows skipping consent for first-party applications
    And the API "Orders" has a client to act as
    And a user
    And a first-party regular web application
    And the user has an access token for the API "Orders" with the scopes "read:orders"

  @rule:X1 @rule:X2 @rule:X3
  Scenario: an API with token exchange enabled exchanges the user's token for a token to another API
    Given the tenant admin updates the API "Orders" with:
      """
      { "token_exchange": [ { "enabled_subject_token_types": "urn:ietf:params:oauth:token-type:access_token" } ] }
      """
    When the API "Orders" exchanges the user's access token for a token for the API "Billing" with the scopes "read:invoices"
    Then the exchange gives a Bearer access token with the scopes "read:invoices"
    And the exchanged token is signed by the identity provider, for the user and the API "Billing"
    And the exchanged token has the scopes "read:invoices"
    And the exchanged token's azp is the client of the API "Orders"
    And the exchanged token's act chain is "Orders"

  @rule:X1 @rule:X2 @rule:X3
  Scenario: token exchange enabled on the API's client with the on_behalf_of_token_exchange profile
    Given the tenant admin updates the client of the API "Orders" with:
      """
      { "token_exchange": { "allow_any_profile_of_type": ["on_behalf_of_token_exchange"] } }
      """
    When the API "Orders" exchanges the user's access token for a token for the API "Billing"
    Then the exchange gives a Bearer access token with the scopes "read:invoices write:invoices"
    And the exchanged token is signed by the identity provider, for the user and the API "Billing"
    And the exchanged token's azp is the client of the API "Orders"
    And the exchanged token's act chain is "Orders"

  @rule:X2
  Scenario: an API without token exchange enabled is refused
    When the API "Orders" exchanges the user's access token for a token for the API "Billing"
    Then the token request fails with the status 403 and the error "unauthorized_client"

  @rule:X2
  Scenario: a target API that does not allow skipping consent is refused: no user is there to consent
    Given an API "Audit" with the scopes "read:audit" that does not allow skipping consent
    And the tenant admin updates the API "Orders" with:
      """
      { "token_exchange": [ { "enabled_subject_token_types": "urn:ietf:params:oauth:token-type:access_token" } ] }
      """
    When the API "Orders" exchanges the user's access token for a token for the API "Audit"
    Then the token request fails with the status 403 and the error "consent_required"

  @rule:X3
  Scenario: a two-hop chain nests the act claims
    Given an API "Ledger" with the scopes "read:entries" that allows skipping consent for first-party applications
    And the API "Billing" has a client to act as
    And the tenant admin updates the API "Orders" with:
      """
      { "token_exchange": [ { "enabled_subject_token_types": "urn:ietf:params:oauth:token-type:access_token" } ] }
      """
    And the tenant admin updates the API "Billing" with:
      """
      { "token_exchange": [ { "enabled_subject_token_types": "urn:ietf:params:oauth:token-type:access_token" } ] }
      """
    When the API "Orders" exchanges the user's access token for a token for the API "Billing" with the scopes "read:invoices"
    And the API "Billing" exchanges the exchanged token for a token for the API "Ledger" with the scopes "read:entries"
    Then the exchange gives a Bearer access token with the scopes "read:entries"
    And the exchanged token is signed by the identity provider, for the user and the API "Ledger"
    And the exchanged token's azp is the client of the API "Billing"
    And the exchanged token's act chain is "Billing > Orders"

  @rule:X3
  Scenario: a fifth nested act claim is refused
    Given the API "Billing" has a client to act as
    And the tenant admin updates the API "Orders" with:
      """
      { "token_exchange": [ { "enabled_subject_token_types": "urn:ietf:params:oauth:token-type:access_token" } ] }
      """
    And the tenant admin updates the API "Billing" with:
      """
      { "token_exchange": [ { "enabled_subject_token_types": "urn:ietf:params:oauth:token-type:access_token" } ] }
      """
    When the API "Orders" exchanges the user's access token for a token for the API "Billing"
    And the API "Billing" keeps exchanging the exchanged token for a token for the API "Billing" 3 times
    Then the exchanged token's act chain is "Billing > Billing > Billing > Orders"
    When the API "Billing" exchanges the exchanged token for a token for the API "Billing"
    Then the token request fails with the status 400 and the error "invalid_request"

  @rule:X4
  Scenario Outline: <problem> is refused with <status> <error>
    Given the tenant admin updates the API "Orders" with:
      """
      { "token_exchange": [ { "enabled_subject_token_types": "urn:ietf:params:oauth:token-type:access_token" } ] }
      """
    When the API "Orders" sends a token exchange request for the API "Billing" with <change>
    Then the token request fails with the status <status> and the error "<error>"

    Examples:
      | problem                                           | change                                                             | status | error           |
      | a garbled subject token                           | subject_token=garbled                                              | 400    | invalid_request |
      | a tampered subject token                          | subject_token=tampered                                             | 400    | invalid_request |
      | a subject token for another API                   | subject_token=a token for "Billing"                                | 400    | invalid_request |
      | an unsupported subject_token_type                 | subject_token_type=urn:ietf:params:oauth:token-type:id_token       | 400    | invalid_request |
      | an unsupported requested_token_type               | requested_token_type=urn:ietf:params:oauth:token-type:refresh_token | 400   | invalid_request |
      | a missing audience                                | no audience                                                        | 400    | invalid_request |
      | an unknown audience                               | audience=https://nowhere.consentry.test/unknown                    | 400    | invalid_target  |
      | more scopes than the subject token, for its API   | audience="Orders" and scope=read:orders write:orders               | 400    | invalid_scope   |

  # On the embedded mock the clock is moved past the token's expiry, so the
  # scenario runs alone (@exclusive); on other targets it waits the second
  # out in real time.
  @rule:X4 @exclusive
  Scenario: an expired subject token is refused
    Given the tenant admin updates the API "Orders" with:
      """
      { "token_exchange": [ { "enabled_subject_token_types": "urn:ietf:params:oauth:token-type:access_token" } ] }
      """
    And the tenant admin updates the API "Orders" with:
      """
      { "token_lifetime": 1 }
      """
    And the user has an access token for the API "Orders" with the scopes "read:orders"
    When the user's access token has expired
    And the API "Orders" exchanges the user's access token for a token for the API "Billing"
    Then the token request fails with the status 400 and the error "invalid_request"
