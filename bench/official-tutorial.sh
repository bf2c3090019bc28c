#!/usr/bin/env bash
# The S3 thumbnail walkthrough done as AWS's official tutorial does it ("Tutorial: Using an Amazon S3
# trigger to create thumbnail images"), one aws-cli command after the other, against --endpoint-url.
# Used by bench/walkthrough.ts for the side-by-side timing; it prints "##step NAME EPOCH_NS" markers.
#
# Environment (all required): ENDPOINT, WORKDIR (an empty scratch folder), IMAGE (a .jpg file),
# SRC (source bucket name; the destination is "$SRC-resized"), FUNCTION, ROLE, POLICY, ACCOUNT,
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION. Optional: AWS (the aws-cli to run).
set -euo pipefail

: "${ENDPOINT:?}" "${WORKDIR:?}" "${IMAGE:?}" "${SRC:?}" "${FUNCTION:?}" "${ROLE:?}" "${POLICY:?}" "${ACCOUNT:?}"
AWS_BIN="${AWS:-aws}"
DST="$SRC-resized"
REGION="${AWS_DEFAULT_REGION:-us-east-1}"

aws() { command "$AWS_BIN" --endpoint-url "$ENDPOINT" "$@"; }
step() { echo "##step $1 $(date +%s%N)"; }

cd "$WORKDIR"
cp "$IMAGE" HappyFace.jpg
cp "$IMAGE" SmileyFace.jpg

step buckets
aws s3api create-bucket --bucket "$SRC" --region "$REGION"
aws s3api create-bucket --bucket "$DST" --region "$REGION"

step upload-test-object
aws s3api put-object --bucket "$SRC" --key HappyFace.jpg --body ./HappyFace.jpg

step policy
cat > policy.json <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["logs:PutLogEvents", "logs:CreateLogGroup", "logs:CreateLogStream"],
      "Resource": "arn:aws:logs:*:*:*"
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject"],
      "Resource": "arn:aws:s3:::$SRC/*"
    },
    {
      "Effect": "Allow",
      "Action": ["s3:PutObject"],
      "Resource": "arn:aws:s3:::$DST/*"
    }
  ]
}
EOF
aws iam create-policy --policy-name "$POLICY" --policy-document file://policy.json

step role
cat > trust-policy.json <<'EOF'
{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" }, "Action": "sts:AssumeRole" }
  ]
}
EOF
aws iam create-role --role-name "$ROLE" --assume-role-policy-document file://trust-policy.json
aws iam attach-role-policy --role-name "$ROLE" --policy-arn "arn:aws:iam::$ACCOUNT:policy/$POLICY"

step package
mkdir lambda-s3
cd lambda-s3
# The tutorial's function code (index.mjs), with its Node.js 18+ SDK v3 client.
cat > index.mjs <<'EOF'
// dependencies
import { S3Client, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Readable } from 'stream';
import sharp from 'sharp';
import util from 'util';

// create S3 client
const s3 = new S3Client({ region: process.env.AWS_REGION });

// define the handler function
export const handler = async (event, context) => {
  // Read options from the event parameter and get the source bucket
  console.log('Reading options from event:\n', util.inspect(event, { depth: 5 }));
  const srcBucket = event.Records[0].s3.bucket.name;

  // Object key may have spaces or unicode non-ASCII characters
  const srcKey = decodeURIComponent(event.Records[0].s3.object.key.replace(/\+/g, ' '));
  const dstBucket = srcBucket + '-resized';
  const dstKey = 'resized-' + srcKey;

  // Infer the image type from the file suffix
  const typeMatch = srcKey.match(/\.([^.]*)$/);
  if (!typeMatch) {
    console.log('Could not determine the image type.');
    return;
  }

  // Check that the image type is supported
  const imageType = typeMatch[1].toLowerCase();
  if (imageType != 'jpg' && imageType != 'png') {
    console.log(`Unsupported image type: ${imageType}`);
    return;
  }

  // Get the image from the source bucket. GetObjectCommand returns a stream.
  let contentBuffer;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: srcBucket, Key: srcKey }));
    const stream = response.Body;
    // Convert stream to buffer to pass to sharp resize function.
    if (stream instanceof Readable) {
      contentBuffer = Buffer.concat(await stream.toArray());
    } else {
      throw new Error('Unknown object stream type');
    }
  } catch (error) {
    console.log(error);
    return;
  }

  // set thumbnail width. Resize will set the height automatically to maintain aspect ratio.
  const width = 200;

  // Use the sharp module to resize the image and save in a buffer.
  let outputBuffer;
  try {
    outputBuffer = await sharp(contentBuffer).resize(width).toBuffer();
  } catch (error) {
    console.log(error);
    return;
  }

  // Upload the thumbnail image to the destination bucket
  try {
    await s3.send(new PutObjectCommand({ Bucket: dstBucket, Key: dstKey, Body: outputBuffer, ContentType: 'image' }));
  } catch (error) {
    console.log(error);
    return;
  }

  console.log('Successfully resized ' + srcBucket + '/' + srcKey + ' and uploaded to ' + dstBucket + '/' + dstKey);
};
EOF
npm install --os=linux --cpu=x64 sharp --no-audit --no-fund
zip -q -r function.zip .
cd ..

step function
aws lambda create-function --function-name "$FUNCTION" \
  --zip-file fileb://lambda-s3/function.zip --handler index.handler --runtime nodejs24.x \
  --timeout 10 --memory-size 1024 \
  --role "arn:aws:iam::$ACCOUNT:role/$ROLE" --region "$REGION"
# Not in the tutorial (a person reads the console in between): a script must wait for Active.
aws lambda wait function-active-v2 --function-name "$FUNCTION"

step trigger
aws lambda add-permission --function-name "$FUNCTION" \
  --principal s3.amazonaws.com --statement-id s3invoke --action "lambda:InvokeFunction" \
  --source-arn "arn:aws:s3:::$SRC" --source-account "$ACCOUNT"
cat > notification.json <<EOF
{
  "LambdaFunctionConfigurations": [
    {
      "Id": "CreateThumbnailEventConfiguration",
      "LambdaFunctionArn": "arn:aws:lambda:$REGION:$ACCOUNT:function:$FUNCTION",
      "Events": ["s3:ObjectCreated:Put"]
    }
  ]
}
EOF
aws s3api put-bucket-notification-configuration --bucket "$SRC" --notification-configuration file://notification.json

step test-invoke
cat > dummyS3Event.json <<EOF
{
  "Records": [
    {
      "eventVersion": "2.0",
      "eventSource": "aws:s3",
      "awsRegion": "$REGION",
      "eventTime": "1970-01-01T00:00:00.000Z",
      "eventName": "ObjectCreated:Put",
      "userIdentity": { "principalId": "EXAMPLE" },
      "requestParameters": { "sourceIPAddress": "127.0.0.1" },
      "responseElements": {
        "x-amz-request-id": "EXAMPLE123456789",
        "x-amz-id-2": "EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH"
      },
      "s3": {
        "s3SchemaVersion": "1.0",
        "configurationId": "testConfigRule",
        "bucket": { "name": "$SRC", "ownerIdentity": { "principalId": "EXAMPLE" }, "arn": "arn:aws:s3:::$SRC" },
        "object": {
          "key": "HappyFace.jpg",
          "size": 1024,
          "eTag": "0123456789abcdef0123456789abcdef",
          "sequencer": "0A1B2C3D4E5F678901"
        }
      }
    }
  ]
}
EOF
# "The cli-binary-format option is required if you're using AWS CLI version 2" (v1 has no such option).
binary_format=()
case "$(command "$AWS_BIN" --version 2>&1)" in aws-cli/2*) binary_format=(--cli-binary-format raw-in-base64-out) ;; esac
aws lambda invoke --function-name "$FUNCTION" --invocation-type RequestResponse \
  "${binary_format[@]}" --payload file://dummyS3Event.json outputfile.txt
aws s3api list-objects --bucket "$DST"

step test-trigger
aws s3api put-object --bucket "$SRC" --key SmileyFace.jpg --body ./SmileyFace.jpg
# Poll until the thumbnail exists (at most ~60 s).
for _ in $(seq 1 300); do
  if aws s3api head-object --bucket "$DST" --key resized-SmileyFace.jpg >/dev/null 2>&1; then found=1; break; fi
  sleep 0.2
done
[ "${found:-}" = 1 ] || { echo "the thumbnail resized-SmileyFace.jpg never appeared" >&2; exit 1; }

step cleanup
aws lambda delete-function --function-name "$FUNCTION"
aws iam detach-role-policy --role-name "$ROLE" --policy-arn "arn:aws:iam::$ACCOUNT:policy/$POLICY"
aws iam delete-policy --policy-arn "arn:aws:iam::$ACCOUNT:policy/$POLICY"
aws iam delete-role --role-name "$ROLE"
aws s3 rm "s3://$SRC" --recursive
aws s3api delete-bucket --bucket "$SRC"
aws s3 rm "s3://$DST" --recursive
aws s3api delete-bucket --bucket "$DST"

step end
