import { topics as specs } from "../packages/core/src/resources";
import { dnsZone, sesSender } from "./config";
import { each } from "./each";

export const topics = each(specs, (name) => new sst.aws.SnsTopic(name));

// SES publishes to the topic as the SES service, which the topic must allow (SST adds no policy).
const sesPublish = new aws.sns.TopicPolicy("SesEventsPublish", {
  arn: topics.SesEvents.arn,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "ses.amazonaws.com" },
        Action: "SNS:Publish",
        Resource: topics.SesEvents.arn,
        Condition: { StringEquals: { "AWS:SourceAccount": aws.getCallerIdentityOutput().accountId } },
      },
    ],
  }),
});

/**
 * The sender identity and its configuration set, which SST makes the identity's default, so every
 * email sent from it reports its fate to SesEvents. No open or click events and no tracking
 * options: SES tracks opens and clicks only for a configuration set that publishes them, and does
 * it by rewriting every link and adding an image, which would break every email's signature.
 */
export const mailer = new sst.aws.Email(
  "Mailer",
  {
    sender: sesSender,
    // Without a Route 53 zone, the DKIM records are added by hand (docs/operations.md, DKIM).
    dns: dnsZone ? sst.aws.dns({ zone: dnsZone }) : false,
    events: [{ name: "SesEvents", types: ["bounce", "complaint", "delivery", "reject"], topic: topics.SesEvents.arn }],
  },
  { dependsOn: [sesPublish] },
);
