namespace PaymentActors.Domain.Transactions;

/// <summary>Stable 64-bit fingerprint of a request body (<see cref="TransactionRequest.Fingerprint"/>), FNV-1a based.</summary>
public static class Fingerprints
{
    public static ulong Of(string accountId, TransactionType type, long amountMinor, string currency, string? counterparty)
    {
        var h = Fnv1a.Offset;
        h = Mix(h, accountId);
        h = Fnv1a.Append(h, (ulong)type);
        h = Fnv1a.Append(h, unchecked((ulong)amountMinor));
        h = Mix(h, currency);
        h = Mix(h, counterparty ?? "");
        return h;
    }

    // A separator after each string, so that ("ab", "c") and ("a", "bc") differ.
    private static ulong Mix(ulong h, string s) => (Fnv1a.Append(h, s) ^ 0xFF) * Fnv1a.Prime;
}
