using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Ingestion;

public enum AccountSkew
{
    Uniform,
    Zipf,
}

/// <param name="FraudRate">Share of generated chains that are the PaySim fraud pattern (drain by TRANSFER to a fresh mule, then CASH_OUT).</param>
/// <param name="StartMs">Event time of the first transaction; each next one is 100–2,000 ms later.</param>
public sealed record GeneratorOptions(
    int Accounts = 10_000,
    AccountSkew Skew = AccountSkew.Uniform,
    double ZipfExponent = 1.1,
    double FraudRate = 0.0,
    string Currency = "USD",
    long StartMs = 1_767_225_600_000);

/// <summary>
/// Seeded synthetic transactions: same seed, same stream. Type mix and amount scale follow PaySim
/// (log-normal amounts); optional injected fraud is the PaySim typology, labelled <c>IsFraud</c>.
/// </summary>
public sealed class TransactionGenerator(int seed, GeneratorOptions options)
{
    public IEnumerable<NormalisedTransaction> Generate(long count)
    {
        var random = new Random(seed);
        var zipf = options.Skew == AccountSkew.Zipf ? Zipf.Table(options.Accounts, options.ZipfExponent) : null;
        var time = options.StartMs;
        var source = $"generator:{seed}";
        long n = 0;
        while (n < count)
        {
            time += 100 + random.Next(1_900);
            if (options.FraudRate > 0 && random.NextDouble() < options.FraudRate && n + 2 <= count)
            {
                var victim = $"G{Pick(random, zipf)}";
                var mule = $"GM{seed}-{n}";
                var drained = LogNormal(random, 11.5, 1.0);
                yield return Make(n++, victim, TransactionType.Transfer, drained, mule, time, drained, fraud: true);
                time += 60_000 + random.Next(600_000);
                yield return Make(n++, mule, TransactionType.CashOut, drained, $"C{random.Next(options.Accounts)}", time, 0, fraud: true);
                continue;
            }

            var account = $"G{Pick(random, zipf)}";
            var roll = random.NextDouble();
            var (type, mu) = roll switch
            {
                < 0.34 => (TransactionType.Payment, 8.5),
                < 0.56 => (TransactionType.CashIn, 11.5),
                < 0.91 => (TransactionType.CashOut, 11.5),
                < 0.99 => (TransactionType.Transfer, 12.0),
                _ => (TransactionType.Debit, 8.5),
            };
            var amount = LogNormal(random, mu, 1.0);
            var counterparty = type switch
            {
                TransactionType.Payment => $"M{random.Next(options.Accounts)}",
                TransactionType.Transfer => $"G{(Pick(random, zipf) + 1) % options.Accounts}",
                _ => $"C{random.Next(options.Accounts)}",
            };
            if (counterparty == account)
            {
                counterparty = "G-external";
            }

            yield return Make(n++, account, type, amount, counterparty, time, amount * 10, fraud: false);
        }
    }

    private NormalisedTransaction Make(long n, string account, TransactionType type, long amount, string counterparty, long time, long opening, bool fraud) =>
        new(new TransactionRequest($"gen-{seed}-{n}", account, type, amount, options.Currency, counterparty, time, opening),
            $"generator:{seed}", n + 1, FilledFields.None, IsFraud: fraud, IsFlaggedFraud: false);

    private int Pick(Random random, double[]? zipf)
    {
        if (zipf is null)
        {
            return random.Next(options.Accounts);
        }

        return Zipf.Sample(zipf, random.NextDouble());
    }

    /// <summary>Log-normal amount in minor units (e^mu ≈ the median in major units), at least 1.</summary>
    private static long LogNormal(Random random, double mu, double sigma)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        var normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        // Random numbers shape the distribution only; the amount itself is an exact integer of minor units.
        return Math.Max(1, (long)Math.Min(1e12, Math.Exp(mu + sigma * normal) * 100));
    }

}

/// <summary>Zipf(s) over 0..n−1 by inverse transform on a cumulative table: rank 0 is the most frequent.</summary>
public static class Zipf
{
    public static double[] Table(int n, double s)
    {
        var cumulative = new double[n];
        double sum = 0;
        for (var k = 0; k < n; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, s);
            cumulative[k] = sum;
        }

        for (var k = 0; k < n; k++)
        {
            cumulative[k] /= sum;
        }

        return cumulative;
    }

    /// <summary>The rank for a uniform draw <paramref name="u"/> in [0, 1).</summary>
    public static int Sample(double[] cumulative, double u)
    {
        var index = Array.BinarySearch(cumulative, u);
        return index >= 0 ? index : Math.Min(~index, cumulative.Length - 1);
    }
}
