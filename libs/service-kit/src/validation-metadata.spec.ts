import { IsInt, Min, ValidateNested, validate } from 'class-validator';
import { Type, plainToInstance } from 'class-transformer';
import { memoizeValidationMetadata } from './validation-metadata';

class Line {
  @IsInt()
  @Min(1)
  quantity!: number;
}

class Cart {
  @ValidateNested({ each: true })
  @Type(() => Line)
  lines!: Line[];
}

class BigCart extends Cart {
  @IsInt()
  size!: number;
}

const problems = async (cls: new () => object, plain: object) =>
  (await validate(plainToInstance(cls, plain), { whitelist: true, forbidNonWhitelisted: true })).map((e) => JSON.stringify({ p: e.property, c: e.constraints, ch: e.children?.map((c) => c.children?.map((x) => x.constraints)) }));

describe('memoized validation metadata', () => {
  it('gives the same results as class-validator without it, inherited rules included', async () => {
    const inputs: [new () => object, object][] = [
      [Cart, { lines: [{ quantity: 1 }, { quantity: 0 }] }],
      [BigCart, { lines: [{ quantity: 'x' }], size: 1.5 }],
      [BigCart, { lines: [], size: 2, extra: true }],
    ];
    const before = await Promise.all(inputs.map(([cls, plain]) => problems(cls, plain)));
    memoizeValidationMetadata();
    memoizeValidationMetadata(); // twice is harmless
    const after = await Promise.all(inputs.map(([cls, plain]) => problems(cls, plain)));
    expect(after).toEqual(before);
    expect(before[0]).toHaveLength(1);
    expect(before[1].length).toBeGreaterThan(1);
  });

  it('sees rules registered after memoizing', async () => {
    memoizeValidationMetadata();
    expect(await problems(Cart, { lines: [{ quantity: 2 }] })).toEqual([]);
    class Later {
      @Min(10)
      n!: number;
    }
    expect(await problems(Later, { n: 3 })).toHaveLength(1);
    class EvenLater extends Later {
      @IsInt()
      m!: number;
    }
    expect(await problems(EvenLater, { n: 3, m: 1.5 })).toHaveLength(2);
  });
});
