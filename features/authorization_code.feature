@authorize
Feature: Authorization requests, responses and the code exchange
  The authorization endpoint never redirects to an unverified place: an
  unknown client_id or an unregistered redirect_uri gets an error page
  (RFC 6749 4.1.2.1). Other request errors go back to the callback with
  error, error_description and the exact state. Redirect URIs match the
  registered callbacks exactly, except that loopback IP literals match with
  any port (RFC 8252 7.3). At the token endpoint (RFC 6749 4.1.3, RFC 7636)
  the client authenticates, repeats the redirect_uri and proves PKCE; codes
  are single-use. Errors are JSON with error and error_description.

  Background:
    Given an API "Posts" with the scopes "read:posts" that allows skipping consent for first-party applications and that allows offline access
    And a user

  @rule:A1
  Scenario: an unknown client_id gets an error page, never a redirect
    Given a first-party regular web application
    When the application asks for "read:posts" with client_id=consentry-unknown-client
    Then the error page is shown with the status 400
    And the error page mentions "client"
    And the browser is not redirected to the callback

  @rule:A1 @rule:K4
  Scenario Outline: the redirect_uri <redirect_uri> does not match the callback exactly: error page, never a redirect
    Given a first-party regular web application with the callback "https://app.example.com/callback"
    When the application asks for "read:posts" with redirect_uri=<redirect_uri>
    Then the error page is shown with the status 400
    And the error page mentions "redirect_uri"
    And the browser is not redirected to the callback

    Examples:
      | redirect_uri                          |
      | https://app.example.com/callback/     |
      | https://app.example.com/Callback      |
      | https://app.example.com/callback?x=1  |
      | http://app.example.com/callback       |
      | https://evil.example.com/callback     |

  @rule:K4
  Scenario: a loopback IP callback matches with any port
    Given a first-party native application with the callback "http://127.0.0.1/callback"
    When the application asks for "read:posts" with redirect_uri=http://127.0.0.1:49152/callback
    And the user logs in
    Then the application receives an authorization code
    And the code is exchanged for an access token with the scopes "read:posts"

  @rule:K4
  Scenario: localhost is a name, not an IP literal: another port does not match
    Given a first-party native application with the callback "http://localhost:3000/callback"
    When the application asks for "read:posts" with redirect_uri=http://localhost:4000/callback
    Then the error page is shown with the status 400
    And the browser is not redirected to the callback

  @rule:A2
  Scenario Outline: <problem> goes back to the callback with the error and the state
    Given a <kind> application
    When the application asks for "read:posts" with <parameters>
    Then the application receives the error "<error>"

    Examples:
      | problem                               | kind                    | parameters                   | error                     |
      | an unknown response_type              | first-party regular web | response_type=banana         | unsupported_response_type |
      | an unknown code_challenge_method      | first-party regular web | code_challenge_method=S512   | invalid_request           |
      | a strict third-party without PKCE     | strict third-party      | no PKCE                      | invalid_request           |
      | a state with reserved characters      | strict third-party      | no PKCE and state=a b&c=d/e?f#g | invalid_request   |

  @rule:A2 @rule:A4
  Scenario Outline: an error for response_type=<response_type> comes back in the <where>
    Given a first-party single-page application
    When the application asks for "openid read:posts" with response_type=<response_type> and prompt=none and nonce=n-2
    Then the application receives the error "login_required" in the <where>

    Examples:
      | response_type | where        |
      | code          | query        |
      | token         | URL fragment |
      | id_token      | URL fragment |

  @rule:K2 @rule:A2
  Scenario Outline: a strict third-party application may not use response_type=<response_type>
    Given a strict third-party application
    When the application asks for "read:posts" with response_type=<response_type> and nonce=n-1
    Then the application receives the error "unsupported_response_type"

    Examples:
      | response_type  |
      | token          |
      | id_token       |
      | id_token token |

  # Auth0 marks strict third-party client ids with tpc_; other IdPs need not.
  @rule:K2 @dialect:auth0
  Scenario: a strict third-party application has a client_id starting with tpc_
    Given a strict third-party application
    Then the application's client_id starts with "tpc_" in the auth0 dialect

  @rule:K2
  Scenario: a strict third-party application needs a client grant for users of the API
    Given a strict third-party application without access to the API for users
    When the application asks for "read:posts"
    Then the application is refused user tokens for the API with "unauthorized_client"

  @rule:A5
  Scenario: the code comes back in the query with the state exactly as sent
    Given a first-party regular web application
    When the application asks for "read:posts" with state=xyz ABC/+?&=%~ü
    And the user logs in
    Then the application receives an authorization code

  @rule:A5
  Scenario: response_mode=form_post posts the code and the state to the callback
    Given a first-party regular web application
    When the application asks for "read:posts" with response_mode=form_post
    And the user logs in
    Then the application receives an authorization code by form_post
    And the code is exchanged for an access token with the scopes "read:posts"

  @rule:A5
  Scenario: response_type=token returns the access token in the URL fragment
    Given a first-party single-page application
    When the application asks for "read:posts" with response_type=token
    And the user logs in
    Then the application receives an access token in the URL fragment

  @rule:T1 @dialect:auth0
  Scenario Outline: the code is redeemed by a <type> application authenticating with <method>
    Given a first-party <type> application authenticating with <method>
    When the application asks for "openid read:posts"
    And the user logs in
    Then the application receives an authorization code
    When the application exchanges the code for tokens
    Then the access token has the API scopes "read:posts"
    And the access token's scope includes "openid" in the auth0 dialect
    And an ID token is issued for the application

    Examples:
      | type        | method              |
      | regular web | client_secret_basic |
      | regular web | client_secret_post  |
      | single-page | none                |

  @rule:T1 @rule:T5
  Scenario: a wrong client secret is refused with 401
    Given a first-party regular web application
    And the user has signed in to the application with "read:posts"
    When the application exchanges the code with a wrong client secret
    Then the token request fails with the status 401 and the error "invalid_client"

  @rule:T1
  Scenario: the redirect_uri at the token endpoint must be the one sent to /authorize
    Given a first-party regular web application with the callback "https://app.example.com/callback" and with the callback "https://app.example.com/other"
    And the user has signed in to the application with "read:posts"
    When the application exchanges the code with the redirect_uri "https://app.example.com/other"
    Then the token request fails with the status 400 and the error "invalid_grant"

  @rule:T1
  Scenario: a wrong PKCE verifier is refused
    Given a first-party single-page application
    And the user has signed in to the application with "read:posts"
    When the application exchanges the code with a wrong code verifier
    Then the token request fails with the status 400 and the error "invalid_grant"

  @rule:T1
  Scenario: a plain PKCE challenge is verified
    Given a first-party single-page application
    When the application asks for "read:posts" with code_challenge_method=plain
    And the user logs in
    Then the application receives an authorization code
    And the code is exchanged for an access token with the scopes "read:posts"

  @rule:T1
  Scenario: a verifier for a request that had no challenge is refused
    Given a first-party regular web application
    When the application asks for "read:posts" without PKCE
    And the user logs in
    Then the application receives an authorization code
    When the application exchanges the code with a code verifier it never sent a challenge for
    Then the token request fails with the status 400 and the error "invalid_request"

  @rule:T1 @rule:T4
  Scenario: a code is single-use, and redeeming it twice revokes what it gave
    Given a first-party regular web application
    And the user has signed in to the application with "read:posts offline_access"
    And the application exchanges the code for tokens
    And a refresh token is issued
    When the application exchanges the code for tokens again
    Then the token request fails with the status 400 and the error "invalid_grant"
    And the refresh token no longer works

  # Moving the clock moves it for the whole target: the scenario runs alone
  # (@exclusive) and the clock is set back when it ends. Only the embedded
  # mock's clock can be moved (capability clock); elsewhere not applicable.
  @rule:T1 @exclusive @clock
  Scenario: a code expires: redeemed 10 minutes later it is refused
    Given a first-party regular web application
    And the user has signed in to the application with "read:posts"
    When 10 minutes pass
    And the application exchanges the code for tokens
    Then the token request fails with the status 400 and the error "invalid_grant"

  @rule:T4
  Scenario: a refresh token is issued for offline_access and gives new access tokens
    Given a first-party regular web application
    And the user has signed in to the application with "read:posts offline_access"
    When the application exchanges the code for tokens
    Then a refresh token is issued
    When the application refreshes the access token
    Then a new access token is issued

  @rule:T4
  Scenario: no refresh token without offline_access
    Given a first-party regular web application
    And the user has signed in to the application with "read:posts"
    When the application exchanges the code for tokens
    Then no refresh token is issued

  @rule:T5
  Scenario: an unsupported grant type is a JSON error with status 400
    Given a first-party regular web application
    When the application sends a token request with the grant type "urn:example:banana"
    Then the token request fails with the status 400 and the error "unsupported_grant_type"

  @rule:A7
  Scenario: client_id sent twice gets an error page, never a redirect
    Given a first-party regular web application
    When the application asks for "read:posts" with client_id twice
    Then the error page is shown with the status 400 and the error "invalid_request"
    And the browser is not redirected to the callback

  @rule:A7
  Scenario: scope sent twice goes back to the callback with invalid_request
    Given a first-party regular web application
    When the application asks for "read:posts" with scope twice
    Then the application receives the error "invalid_request"
