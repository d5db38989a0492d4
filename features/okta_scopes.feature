@okta
Feature: Okta: scope consent and services (the seed's example)
  Okta's "Enable consent for scopes": the phone scope of the default
  authorization server set to consent REQUIRED ("Block services from
  requesting this scope" ticked) is refused to the client credentials grant
  with consent_required; set to FLEXIBLE (the box cleared) the same request
  gets a token. The password grant never shows consent, so a REQUIRED app
  asking for a REQUIRED scope is refused too.

  @rule:O2 @rule:O4 @exclusive
  Scenario: phone REQUIRED is refused to client credentials, FLEXIBLE is granted
    Given an Okta service app "Service"
    And the scope "phone" has consent REQUIRED
    When "Service" requests a client credentials token with scope "phone"
    Then the token request fails with HTTP 400 "consent_required" and the description "The following scopes require user consent and cannot be granted for the client credentials grant type: [phone]."
    Given the scope "phone" has consent FLEXIBLE
    When "Service" requests a client credentials token with scope "phone"
    Then the token request succeeds
    And the access token's scp is "phone"

  @rule:O2 @rule:O4
  Scenario: a scope made with consent FLEXIBLE is granted to a service
    Given a scope "reports" with consent FLEXIBLE
    And an Okta service app "Service"
    When "Service" requests a client credentials token with scope "reports"
    Then the token request succeeds
    And the access token's scp is "reports"

  @rule:O5
  Scenario: the password grant of a REQUIRED app is refused a REQUIRED scope
    Given a scope "orders" with consent REQUIRED
    And an Okta web app "ConsentWebApp" with consent_method REQUIRED
    And the test user is assigned to "ConsentWebApp"
    When "ConsentWebApp" requests a password grant token with scope "openid orders"
    Then the token request fails with HTTP 400 "consent_required"
