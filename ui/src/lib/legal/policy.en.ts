/** The privacy policy in English: /work/shared/privacy-policy.txt, as published (24 April 2026). */
import type { Policy } from './policy'

export const POLICY_EN: Policy = {
  title: 'Privacy Policy',
  updated: 'Last updated: 24 April 2026',
  sections: [
    {
      heading: '1. Data We Collect',
      blocks: [
        {
          list: [
            { term: 'Account information', text: 'email address, authentication provider, sign-up date.' },
            { term: 'Usage data', text: 'prompts submitted, images generated, credit balance and transaction history.' },
            {
              term: 'Technical data',
              text: 'IP address (used for rate limiting and fraud prevention), browser user-agent, request timestamps.',
            },
            { term: 'Generated images', text: 'stored on our infrastructure until you delete them.' },
          ],
        },
      ],
    },
    {
      heading: '2. How We Store Your Data',
      blocks: [
        {
          list: [
            { term: 'Cloudflare D1 (SQLite database)', text: 'account records, conversation metadata, credit ledger.' },
            { term: 'Cloudflare R2 (object storage)', text: 'generated images.' },
            { term: 'Cloudflare KV', text: 'rate-limit counters and short-lived session tokens.' },
          ],
        },
        {
          paragraph:
            "All data is processed within Cloudflare's global network. Data may reside in any Cloudflare region depending on routing.",
        },
      ],
    },
    {
      heading: '3. Third-Party Services',
      blocks: [
        {
          list: [
            {
              term: 'kie.ai',
              text: 'your prompts are sent to kie.ai to generate images. Their privacy policy governs their processing of this data.',
            },
            {
              term: 'Creem',
              text: "user prompts are screened through Creem's Moderation API before image generation to help enforce content safety rules.",
            },
            {
              term: 'Resend',
              text: 'used to send transactional emails (magic links, OTPs). Your email address is shared with Resend for this purpose.',
            },
            {
              term: 'PostHog',
              text: 'product analytics. Only activated after you grant cookie consent. No data is sent to PostHog before consent.',
            },
            {
              term: 'Sentry',
              text: 'error monitoring. Sentry may receive anonymized error payloads; we do not intentionally send personal data to Sentry.',
            },
          ],
        },
      ],
    },
    {
      heading: '4. Cookies',
      blocks: [
        {
          list: [
            { term: 'Session cookie (functional)', text: 'required for authentication. No consent needed.' },
            { term: 'PostHog analytics cookie', text: 'set only after you accept analytics in our cookie consent banner.' },
          ],
        },
      ],
    },
    {
      heading: '5. Data Retention',
      blocks: [
        {
          paragraph:
            'Generated images are stored until you delete them or close your account. Account data is retained until you request deletion. Rate-limit counters in KV expire automatically within their rolling window.',
        },
      ],
    },
    {
      heading: '6. Your Rights',
      blocks: [
        {
          paragraph:
            'You may request access to, correction of, or deletion of your personal data at any time by emailing {contact}. Account deletion is also available directly from your Settings page.',
        },
      ],
    },
    {
      heading: '7. GDPR (EU Users)',
      blocks: [
        {
          paragraph:
            'If you are located in the European Economic Area, you have additional rights under the General Data Protection Regulation (GDPR), including the right to data portability, restriction of processing, and the right to lodge a complaint with a supervisory authority. Our legal basis for processing is contract performance (to provide the Service) and legitimate interests (security and fraud prevention).',
        },
      ],
    },
    {
      heading: '8. Contact',
      blocks: [{ paragraph: 'Privacy questions: {contact}' }],
    },
  ],
}
