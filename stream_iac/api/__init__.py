"""The live side: Stream's REST API → LiveState.

`settings` (credentials and URL), `client` (one HTTP call: auth, retries, errors), `throttle`
(pacing by the API's rate limits), `read` (every kind's list call at once → LiveState) and
`write` (a kind's create, update and delete calls). Nothing here knows about stacks or plans.
"""
