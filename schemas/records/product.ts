import * as z from 'zod';
import { Currency, longText, MinorUnits, text } from '../common.ts';

export const ProductInput = z
  .strictObject({
    name: text(200),
    sku: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
        error: 'must be 1–64 letters, digits, dot, dash or underscore',
      })
      .meta({ description: 'Unique stock-keeping unit' }),
    family: text(100).meta({ description: 'Product family; approval policies can read it' }),
    description: longText(2000).optional(),
    currency: Currency,
    unitPrice: MinorUnits.meta({ description: 'List price in minor units' }),
    unitCost: MinorUnits.optional().meta({ description: 'Cost in minor units; used for margin' }),
    active: z.boolean().default(true),
  })
  .meta({ id: 'ProductInput' });
