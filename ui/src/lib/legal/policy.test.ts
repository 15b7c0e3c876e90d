import { describe, expect, it } from 'vitest'
import { POLICIES, splitContact, type Policy } from './policy'

const contacts = (policy: Policy) =>
  policy.sections.flatMap((section) =>
    section.blocks.flatMap((block) =>
      'list' in block ? block.list.map((item) => splitContact(item.text).length - 1) : [splitContact(block.paragraph).length - 1],
    ),
  )

const allText = (policy: Policy) =>
  [
    policy.title,
    policy.updated,
    ...policy.sections.flatMap((s) => [
      s.heading,
      ...s.blocks.flatMap((b) => ('list' in b ? b.list.flatMap((i) => [i.term ?? '', i.text]) : [b.paragraph])),
    ]),
  ].join('\n')

describe('the privacy policy', () => {
  it('has the same sections, blocks and list items in English and Chinese', () => {
    const shape = (policy: Policy) =>
      policy.sections.map((s) => s.blocks.map((b) => ('list' in b ? b.list.map((i) => !!i.term) : 'p')))
    expect(shape(POLICIES['zh-CN'])).toEqual(shape(POLICIES.en))
    expect(POLICIES.en.sections).toHaveLength(8)
  })

  it('puts the contact address in the same places in both, and never hard-codes one', () => {
    expect(contacts(POLICIES.en)).toEqual(contacts(POLICIES['zh-CN']))
    expect(contacts(POLICIES.en).reduce((a, b) => a + b, 0)).toBe(2)
    for (const policy of Object.values(POLICIES)) expect(allText(policy)).not.toMatch(/@/)
  })

  it('keeps its date and none of the web page around it', () => {
    expect(POLICIES.en.updated).toBe('Last updated: 24 April 2026')
    expect(POLICIES['zh-CN'].updated).toContain('2026年4月24日')
    expect(allText(POLICIES.en)).not.toMatch(/主页|隐私政策|^legal$/m)
  })

  it('cuts a text around the address, keeping what is on either side', () => {
    expect(splitContact('Write to {contact} or {contact}.')).toEqual(['Write to ', ' or ', '.'])
    expect(splitContact('No address')).toEqual(['No address'])
  })
})
