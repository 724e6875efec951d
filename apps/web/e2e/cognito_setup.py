"""Sets up Cognito in a moto server the way Terraform's auth module does (password policy,
USER_PASSWORD_AUTH, a taxpayer group, a user who must set a new password at first login).

  cognito_setup.py pool ENDPOINT                  -> {"pool": ..., "client": ...}
  cognito_setup.py user ENDPOINT POOL TAXPAYER    -> {"username": ..., "temporaryPassword": ...}
"""
import json
import sys

import boto3

idp = boto3.client("cognito-idp", endpoint_url=sys.argv[2], region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")
if sys.argv[1] == "pool":
    pool = idp.create_user_pool(
        PoolName="navsync-web-e2e",
        Policies={"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
                                     "RequireNumbers": True, "RequireSymbols": True}},
    )["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="navsync-web", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    print(json.dumps({"pool": pool, "client": client}))
else:
    pool, taxpayer = sys.argv[3], sys.argv[4]
    group = f"taxpayer-{taxpayer}"
    idp.create_group(UserPoolId=pool, GroupName=group)
    temporary = "Ideiglenes-1"
    idp.admin_create_user(UserPoolId=pool, Username="konyvelo", TemporaryPassword=temporary,
                          MessageAction="SUPPRESS")
    idp.admin_add_user_to_group(UserPoolId=pool, Username="konyvelo", GroupName=group)
    print(json.dumps({"username": "konyvelo", "temporaryPassword": temporary}))
