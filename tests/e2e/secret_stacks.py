"""Stack parts that hold a secret in every secret field of a kind, for the tests that search
output for secrets (test_secrets.py, test_no_secret_out.py). Each test names its own values."""

from __future__ import annotations

from typing import Any

# One provider of each type and authentication, each credential from ${env:} or ${file:cert.txt}.
PUSH_PROVIDERS: dict[str, dict[str, Any]] = {
    "apn-token": {"type": "apn", "apn_auth_type": "token", "apn_key_id": "K", "apn_team_id": "T",
                  "apn_topic": "com.example", "apn_auth_key": "${env:APN_P8}"},
    "apn-cert": {"type": "apn", "apn_auth_type": "certificate", "apn_topic": "com.example.cert",
                 "apn_p12_cert": "${file:cert.txt}"},
    "fcm": {"type": "firebase", "firebase_credentials": "${env:FCM_JSON}"},
    "huawei": {"type": "huawei", "huawei_app_id": "h1", "huawei_app_secret": "${env:HUAWEI}"},
    "xiaomi": {"type": "xiaomi", "xiaomi_package_name": "com.x", "xiaomi_app_secret": "${env:XIAOMI}"},
}
