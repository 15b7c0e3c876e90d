/** 隐私政策（简体中文）：policy.en.ts 的忠实译文，逐节对应。 */
import type { Policy } from './policy'

export const POLICY_ZH_CN: Policy = {
  title: '隐私政策',
  updated: '最后更新：2026年4月24日',
  sections: [
    {
      heading: '1. 我们收集的数据',
      blocks: [
        {
          list: [
            { term: '账户信息', text: '电子邮件地址、身份验证提供方、注册日期。' },
            { term: '使用数据', text: '提交的提示词、生成的图片、积分余额及交易记录。' },
            { term: '技术数据', text: 'IP 地址（用于频率限制和防范欺诈）、浏览器用户代理（user-agent）、请求时间戳。' },
            { term: '生成的图片', text: '存储在我们的基础设施上，直到您将其删除。' },
          ],
        },
      ],
    },
    {
      heading: '2. 我们如何存储您的数据',
      blocks: [
        {
          list: [
            { term: 'Cloudflare D1（SQLite 数据库）', text: '账户记录、对话元数据、积分账本。' },
            { term: 'Cloudflare R2（对象存储）', text: '生成的图片。' },
            { term: 'Cloudflare KV', text: '频率限制计数器和短期有效的会话令牌。' },
          ],
        },
        {
          paragraph: '所有数据均在 Cloudflare 的全球网络内处理。根据路由情况，数据可能存放在任一 Cloudflare 区域。',
        },
      ],
    },
    {
      heading: '3. 第三方服务',
      blocks: [
        {
          list: [
            { term: 'kie.ai', text: '您的提示词会发送至 kie.ai 以生成图片。kie.ai 对这些数据的处理受其隐私政策约束。' },
            { term: 'Creem', text: '在生成图片之前，用户的提示词会经过 Creem 的内容审核 API 筛查，以帮助执行内容安全规则。' },
            {
              term: 'Resend',
              text: '用于发送事务性电子邮件（魔法链接、一次性验证码）。为此，您的电子邮件地址会提供给 Resend。',
            },
            {
              term: 'PostHog',
              text: '产品分析。仅在您同意 Cookie 使用后才会启用。在您同意之前，不会向 PostHog 发送任何数据。',
            },
            {
              term: 'Sentry',
              text: '错误监控。Sentry 可能会收到经过匿名化处理的错误数据；我们不会有意向 Sentry 发送个人数据。',
            },
          ],
        },
      ],
    },
    {
      heading: '4. Cookie',
      blocks: [
        {
          list: [
            { term: '会话 Cookie（功能性）', text: '身份验证所必需，无需征得同意。' },
            { term: 'PostHog 分析 Cookie', text: '仅在您于 Cookie 同意横幅中接受分析后才会设置。' },
          ],
        },
      ],
    },
    {
      heading: '5. 数据保留',
      blocks: [
        {
          paragraph:
            '生成的图片会一直保存，直到您将其删除或注销账户。账户数据会一直保留，直到您申请删除。KV 中的频率限制计数器会在其滚动时间窗口内自动过期。',
        },
      ],
    },
    {
      heading: '6. 您的权利',
      blocks: [
        {
          paragraph:
            '您可以随时发送电子邮件至 {contact}，申请访问、更正或删除您的个人数据。您也可以直接在“设置”页面中删除账户。',
        },
      ],
    },
    {
      heading: '7. GDPR（欧盟用户）',
      blocks: [
        {
          paragraph:
            '如果您位于欧洲经济区，您还享有《通用数据保护条例》（GDPR）规定的其他权利，包括数据可携带权、限制处理权，以及向监管机构投诉的权利。我们处理数据的法律依据是履行合同（提供本服务）和正当利益（安全与防范欺诈）。',
        },
      ],
    },
    {
      heading: '8. 联系我们',
      blocks: [{ paragraph: '隐私问题请联系：{contact}' }],
    },
  ],
}
