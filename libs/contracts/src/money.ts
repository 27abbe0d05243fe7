import { IsISO4217CurrencyCode, IsInt, Max, Min } from 'class-validator';

/** An amount in integer minor units (cents) of an ISO 4217 currency: never a float. */
export class Money {
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;

  @IsISO4217CurrencyCode()
  currency!: string;
}
