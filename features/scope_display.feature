@consent @scopes
Feature: How the consent page shows scopes
  Auth0 ("Scope descriptions"): define scopes as action:resource. The consent
  page groups the scopes of one resource and shows all actions on a single
  line: read:posts and write:posts give "Posts: read and write your posts".
  With the tenant flag use_scope_descriptions_for_consent each scope is shown
  by its description instead. The page names the application, the user and
  the tenant, and has two buttons: Accept and Decline. Strict third-party
  applications do not support the OIDC scopes openid, profile and email: the
  dialog shows API scopes only and no ID token is issued.

  @rule:C7
  Scenario: scopes of one resource share a line
    Given an API "Posts" with the scopes "read:posts write:posts delete:posts"
    And a third-party application
    And a user
    When the application asks for "read:posts write:posts"
    And the user logs in
    Then the consent page lists "Posts: read and write your posts"

  @rule:C7
  Scenario: three actions on one resource, and a second resource on its own line
    Given an API "Posts" with the scopes "read:posts write:posts delete:posts read:comments"
    And a third-party application
    And a user
    When the application asks for "read:posts write:posts delete:posts read:comments"
    And the user logs in
    Then the consent page lists:
      | Posts: read, write and delete your posts |
      | Comments: read your comments             |

  @rule:C7 @dialect:auth0
  Scenario: the page names the application, the user and the tenant, with Accept and Decline
    Given an API "Posts" with the scopes "read:posts"
    And a third-party application
    And a user
    When the application asks for "read:posts"
    And the user logs in
    Then the consent page names the application, the user and the tenant
    And the page offers the accept and decline buttons
    And the buttons read "Accept" and "Decline" in the auth0 dialect

  @rule:C7 @tenant-settings @exclusive
  Scenario: with use_scope_descriptions_for_consent each scope has its own line with its description
    Given the tenant shows scope descriptions on the consent page
    And an API "Posts" with these scopes:
      | scope       | description          |
      | read:posts  | Read your blog posts |
      | write:posts |                      |
    And a third-party application
    And a user
    When the application asks for "read:posts write:posts"
    And the user logs in
    Then the consent page lists:
      | Read your blog posts |
      | write:posts          |

  @rule:C7 @rule:K2
  Scenario: a strict third-party application gets no OIDC scopes: not on the page, no ID token
    Given an API "Posts" with the scopes "read:posts"
    And a strict third-party application
    And a user
    When the application asks for "openid profile email read:posts"
    And the user logs in
    Then the consent page lists "Posts: read your posts"
    When the user accepts consent
    Then the application receives an authorization code
    And the code is exchanged for an access token with the scopes "read:posts"
    And no ID token is issued

  @rule:P3
  Scenario: scopes the API does not define are dropped, not an error
    Given an API "Posts" with the scopes "read:posts"
    And a third-party application
    And a user
    When the application asks for "read:posts fly:rockets"
    And the user logs in
    Then the consent page lists "Posts: read your posts"
    When the user accepts consent
    Then the application receives an authorization code
    And the code is exchanged for an access token with the scopes "read:posts"
    And the user has a grant for the application with the scopes "read:posts"
