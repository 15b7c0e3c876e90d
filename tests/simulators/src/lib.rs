//! Local simulators of kie.ai, Creem, Resend, PostHog and Sentry that speak their documented protocols.
