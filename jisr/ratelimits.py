"""Rate limits shared by several features, applied with `@limiter.limit(...)` on the routes.

Counted per client address (ProxyFix gives the real one behind JISR_PROXY_COUNT proxies), on POST only:
reading a form stays free, guessing does not. With JISR_REDIS_URL the counts live in Redis, so every app
process and server shares them; without it each process counts on its own (config.py).
"""

from __future__ import annotations

from flask_limiter.util import get_remote_address
from flask_login import current_user

#: Codes and passwords: sign-in, password reset, claim and invitation codes.
GUESS_LIMIT = "10 per minute;50 per hour"
#: Opening an account. A cyber-café or a centre puts many people behind one address: no tighter than this.
REGISTER_LIMIT = "10 per minute;50 per hour"
#: Documents sent, per signed-in account (an agent's centre shares one address among the people she helps).
UPLOAD_LIMIT = "20 per minute;200 per hour"


def per_account() -> str:
    """The signed-in account, or the client address for anyone else."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return get_remote_address()
