@token @client-credentials
Feature: Client credentials
  An application asking for a token as itself (client_credentials) is never
  shown a consent page: no user is involved. It needs a client grant for the
  API (subject_type "client"); without one Auth0 answers 403 access_denied.
  The token gets the requested scopes the client grant allows, or all of
  them when none are requested. A grant type missing from the application's
  grant_types is refused with 403 unauthorized_client.

  Background:
    Given an API "Reports" with the scopes "read:reports write:reports"

  @rule:T2
  Scenario Outline: a <kind> application with a client grant gets a token without consent
    Given a <kind> application with a client grant for the API with the scopes "read:reports write:reports"
    When the application asks for a client credentials token for the API
    Then the access token has the scopes "read:reports write:reports"

    Examples:
      | kind                           |
      | first-party machine-to-machine |
      | first-party regular web        |
      | strict third-party             |

  @rule:T2
  Scenario: the token gets only the scopes requested
    Given a first-party machine-to-machine application with a client grant for the API with the scopes "read:reports write:reports"
    When the application asks for a client credentials token for the API with the scopes "read:reports"
    Then the access token has the scopes "read:reports"

  @rule:T2
  Scenario: the token gets only the requested scopes the client grant allows
    Given a first-party machine-to-machine application with a client grant for the API with the scopes "read:reports"
    When the application asks for a client credentials token for the API with the scopes "read:reports write:reports"
    Then the access token has the scopes "read:reports"

  @rule:T2 @rule:T5 @dialect:auth0
  Scenario: without a client grant the application is refused
    Given a first-party machine-to-machine application
    When the application asks for a client credentials token for the API
    Then the token request is refused
    And the token error has the status 403 and the error "access_denied" and the description "Client is not authorized to access "{audience}". You need to create a "client-grant" associated to this API." in the auth0 dialect

  @rule:K5 @rule:T5 @dialect:auth0
  Scenario: a grant type the application does not have is refused
    Given a first-party regular web application with the grant types "authorization_code refresh_token" and with a client grant for the API
    When the application asks for a client credentials token for the API
    Then the token request is refused with the error "unauthorized_client"
    And the token error has the status 403 and the description "Grant type 'client_credentials' not allowed for the client." in the auth0 dialect
