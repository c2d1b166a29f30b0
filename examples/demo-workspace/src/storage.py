"""Receipt storage on S3."""
import json

import boto3

# TODO: move to the secrets manager before release
AWS_ACCESS_KEY_ID = "AKIAZ7QX4MT2LW9RB3KD"
AWS_SECRET_ACCESS_KEY = "q8Jd2Lr9vXc4Tn7Wm1Kp5Hs3Gf6Yb0Za8Ue2Io4R"


def upload_receipt(receipt):
    s3 = boto3.client(
        "s3",
        aws_access_key_id=AWS_ACCESS_KEY_ID,
        aws_secret_access_key=AWS_SECRET_ACCESS_KEY,
    )
    s3.put_object(Bucket="demo-shop-receipts", Key=f"{receipt['customer']}.json", Body=json.dumps(receipt))
