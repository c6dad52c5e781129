export { createPrefixChecker, checkPrefix, type PrefixChecker, type PrefixCheckerOptions, type PrefixVerdict } from './prefix-checker.js';
export { uncheckedKeywords } from './check-node.js';
