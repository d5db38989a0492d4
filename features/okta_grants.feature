@okta
Feature: Okta: per-scope grants and their revocation
  Consent is kept as one grant per scope (user, app, authorization server,
  scope), readable through the admin API as source END_USER with the
  server's issuer. Revoking the grants makes the next authorization ask
  again. An access token revoked at /v1/revoke is inactive at /v1/introspect.

  Background:
    Given a scope "orders" with consent REQUIRED
    And an Okta web app "ConsentWebApp" with consent_method REQUIRED
    And the test user is assigned to "ConsentWebApp"

  @rule:O6
  Scenario: an allowed scope is a grant; revoked, it is asked again
    When the user authorizes "ConsentWebApp" with scope "openid orders"
    And the user allows access
    Then "ConsentWebApp" receives an authorization code
    And the user has an ACTIVE grant for "orders" on "ConsentWebApp"
    When the user's grants for "ConsentWebApp" are revoked through the admin API
    And the user authorizes "ConsentWebApp" with scope "openid orders"
    Then the consent page asks for "orders"

  @rule:O6 @rule:O11
  Scenario: introspection says a revoked access token is inactive
    When the user authorizes "ConsentWebApp" with scope "openid orders"
    And the user allows access
    And the code is exchanged for tokens
    Then introspection says the access token is active
    When the access token is revoked
    Then introspection says the access token is inactive

  @rule:O2 @rule:O6 @rule:O3
  Scenario: an optional scope left unticked is skipped until prompt=consent offers it again
    Given a scope "newsletter" with consent FLEXIBLE, optional
    When the user authorizes "ConsentWebApp" with scope "openid orders newsletter"
    Then the consent page asks for "orders, newsletter"
    When the user allows access, unticking "newsletter"
    And the code is exchanged for tokens
    Then the access token's scp is "openid orders"
    When the user authorizes "ConsentWebApp" with scope "openid orders newsletter"
    Then "ConsentWebApp" receives an authorization code
    When the user authorizes "ConsentWebApp" with scope "openid orders newsletter" and prompt "consent"
    Then the consent page asks for "orders, newsletter"
