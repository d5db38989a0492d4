@okta
Feature: Okta: when the consent page shows
  On an Okta org's custom authorization server the app's consent_method
  (TRUSTED or REQUIRED) and each scope's consent (IMPLICIT, REQUIRED,
  FLEXIBLE) decide whether the consent page shows (Okta's table). A REQUIRED
  app asks once per scope; a granted scope is not asked again; prompt=consent
  asks every consent-enabled scope, even for a TRUSTED app. The pages carry
  the Okta Sign-In Widget's selectors, which this suite reads them with.

  Background:
    Given a scope "orders" with consent REQUIRED

  @rule:O1 @rule:O3 @rule:O12
  Scenario: a REQUIRED app is asked for a REQUIRED scope once
    Given an Okta web app "ConsentWebApp" with consent_method REQUIRED
    And the test user is assigned to "ConsentWebApp"
    When the user authorizes "ConsentWebApp" with scope "openid orders"
    Then the consent page asks for "orders"
    When the user allows access
    Then "ConsentWebApp" receives an authorization code
    When the code is exchanged for tokens
    Then the access token's scp is "openid orders"
    When the user authorizes "ConsentWebApp" with scope "openid orders"
    Then "ConsentWebApp" receives an authorization code

  @rule:O1 @rule:O3
  Scenario: a TRUSTED app is not asked without prompt=consent
    Given an Okta web app "Portal" with consent_method TRUSTED
    And the test user is assigned to "Portal"
    When the user authorizes "Portal" with scope "openid orders"
    Then "Portal" receives an authorization code
    When the code is exchanged for tokens
    Then the access token's scp is "openid orders"

  @rule:O3
  Scenario: prompt=consent asks a TRUSTED app's user for a REQUIRED scope
    Given an Okta web app "Portal" with consent_method TRUSTED
    And the test user is assigned to "Portal"
    When the user authorizes "Portal" with scope "openid orders" and prompt "consent"
    Then the consent page asks for "orders"

  @rule:O3
  Scenario: only IMPLICIT scopes are never asked, even with prompt=consent
    Given a scope "catalog" with consent IMPLICIT
    And an Okta web app "ConsentWebApp" with consent_method REQUIRED
    And the test user is assigned to "ConsentWebApp"
    When the user authorizes "ConsentWebApp" with scope "openid catalog" and prompt "consent"
    Then "ConsentWebApp" receives an authorization code

  @rule:O3
  Scenario: prompt=none where the page would show is consent_required
    Given an Okta web app "ConsentWebApp" with consent_method REQUIRED
    And the test user is assigned to "ConsentWebApp"
    When the user authorizes "ConsentWebApp" with scope "openid"
    Then "ConsentWebApp" receives an authorization code
    When the user authorizes "ConsentWebApp" with scope "openid orders" and prompt "none"
    Then "ConsentWebApp" receives the error "consent_required"

  @rule:O3 @rule:O10
  Scenario: a browser app's code flow with PKCE, client_id in the token request's body
    Given an Okta browser app "SPA" with consent_method REQUIRED
    And the test user is assigned to "SPA"
    When the user authorizes "SPA" with scope "openid orders"
    Then the consent page asks for "orders"
    When the user allows access
    Then "SPA" receives an authorization code
    When the code is exchanged for tokens
    Then the token request succeeds
    And the access token's scp is "openid orders"
