import { UnknownCurrencyError } from './errors.js';

/**
 * ISO 4217 currencies and their minor units (the number of decimals an invoice line is rounded to).
 *
 * Only currencies that can appear on an invoice are listed: funds codes that are legal tender
 * accounting units (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) are kept because banks quote them,
 * precious metals and testing codes (XAU, XTS, XXX ...) are not, since they have no minor unit.
 * Every code not in the exceptions below has two decimals, which is what ISO 4217 says for them.
 */

function codes(list: string): string[] {
  return list.split(' ');
}

const ZERO_DECIMAL = codes('BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF');
const THREE_DECIMAL = codes('BHD IQD JOD KWD LYD OMR TND');
const FOUR_DECIMAL = codes('CLF UYW');
const TWO_DECIMAL = codes(
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD ' +
    'CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD ' +
    'GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA ' +
    'MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR ' +
    'RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD ' +
    'TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG',
);

const MINOR_UNITS: ReadonlyMap<string, number> = new Map<string, number>([
  ...ZERO_DECIMAL.map((code): [string, number] => [code, 0]),
  ...TWO_DECIMAL.map((code): [string, number] => [code, 2]),
  ...THREE_DECIMAL.map((code): [string, number] => [code, 3]),
  ...FOUR_DECIMAL.map((code): [string, number] => [code, 4]),
]);

/** Every supported code, sorted (the API documents them as the currency fields' enum). */
export const SUPPORTED_CURRENCIES: readonly string[] = [...MINOR_UNITS.keys()].sort();

/** An upper-case ISO 4217 alphabetic code known to this module. */
export type CurrencyCode = string;

export function isSupportedCurrency(code: string): boolean {
  return MINOR_UNITS.has(code);
}

/**
 * Returns the canonical code. Lower case is rejected rather than upper-cased: a currency stored or sent in the
 * wrong case is a bug upstream, and accepting it would make two spellings of the same money compare unequal.
 */
export function assertCurrency(code: string): CurrencyCode {
  if (!MINOR_UNITS.has(code)) throw new UnknownCurrencyError(code);
  return code;
}

/** Decimals of the currency's minor unit: JPY 0, USD 2, KWD 3, CLF 4. */
export function minorUnitDigits(code: string): number {
  const digits = MINOR_UNITS.get(code);
  if (digits === undefined) throw new UnknownCurrencyError(code);
  return digits;
}

export function supportedCurrencies(): readonly CurrencyCode[] {
  return [...MINOR_UNITS.keys()].sort();
}
