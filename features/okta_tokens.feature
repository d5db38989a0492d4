@okta
Feature: Okta: tokens
  Okta's access tokens are JWTs with ver, jti, iss (the server's issuer),
  aud (the server's audience), cid, uid, scp (an array) and sub (the user's
  login); its ID tokens have sub = the user's id and aud = the client_id as
  a string. The seed's implicit flow (response_type=id_token token) answers
  in the fragment.

  Background:
    Given a scope "orders" with consent REQUIRED
    And an Okta web app "ConsentWebApp" with consent_method REQUIRED
    And the test user is assigned to "ConsentWebApp"

  @rule:O11
  Scenario: the code flow's tokens carry Okta's claims
    When the user authorizes "ConsentWebApp" with scope "openid orders"
    And the user allows access
    And the code is exchanged for tokens
    Then the tokens carry Okta's claims
    And the access token's scp is "openid orders"

  @rule:O11 @rule:O3
  Scenario: the implicit flow answers in the fragment after consent
    When the user authorizes "ConsentWebApp" with the implicit flow and scope "openid orders"
    Then the consent page asks for "orders"
    When the user allows access
    Then "ConsentWebApp" receives tokens in the fragment
    And the tokens carry Okta's claims
    And the access token's scp is "openid orders"
