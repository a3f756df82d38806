// What the page knows of X-Ray node types: a label, a badge glyph, and the
// map column the type belongs in (null: placed by its edges).

export const TYPE_INFO = {
  "client": { label: "Client", glyph: "", rank: 0 },
  "AWS::ApiGateway::Stage": { label: "API Gateway stage", glyph: "API", rank: 1 },
  "AWS::ApiGateway": { label: "API Gateway", glyph: "API", rank: 1 },
  "AWS::Lambda": { label: "Lambda service", glyph: "λ", rank: 2 },
  "AWS::Lambda::Function": { label: "Lambda function", glyph: "ƒ", rank: 3 },
  "AWS::DynamoDB::Table": { label: "DynamoDB table", glyph: "DDB", rank: 4 },
  "AWS::DynamoDB": { label: "DynamoDB", glyph: "DDB", rank: 4 },
  "AWS::SNS": { label: "SNS topic", glyph: "SNS", rank: 4 },
  "AWS::SQS": { label: "SQS queue", glyph: "SQS", rank: 4 },
  "AWS::SQS::Queue": { label: "SQS queue", glyph: "SQS", rank: 4 },
  "AWS::S3": { label: "S3", glyph: "S3", rank: 4 },
  "AWS::S3::Bucket": { label: "S3 bucket", glyph: "S3", rank: 4 },
  "AWS::EC2::Instance": { label: "EC2 instance", glyph: "EC2", rank: 2 },
  "remote": { label: "Remote", glyph: "⇢", rank: 4 },
};

export function typeInfo(type) {
  return TYPE_INFO[type] || { label: type || "service", glyph: shortGlyph(type), rank: null };
}

// shortGlyph makes a badge of an unknown type: AWS::Kinesis::Stream -> KIN.
export function shortGlyph(type) {
  if (!type) return "?";
  const last = String(type).split("::").filter(Boolean)[1] || String(type);
  return last.replace(/[^A-Za-z0-9]/g, "").slice(0, 3).toUpperCase() || "?";
}
