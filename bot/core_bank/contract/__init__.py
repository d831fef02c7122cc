"""The core bank's HTTP contract, in one place: every request and response, and the operations.

- `wire`: the base models and field types (money as Decimal/strings, times with offsets);
- `errors`: the one error shape, {"error": {"code", "message", ...}};
- `otp`, `customers`, `cards`, `loans`, `transfers`, `service`: the models of each resource;
- `card_controls` (freeze, unfreeze), `disputes`, `appointments`, `staff`: the same for the everyday services;
- `operations`: every operation (method, path, models, statuses, error codes);
- `document`: the OpenAPI document served at /openapi.json, generated from the above.

The server validates requests and writes responses with these models; the action server's
client (actions/banking.py) builds requests and parses responses with the same ones. So this
package imports only pydantic and the standard library: never Sanic, SQLAlchemy or the domain.
"""
