namespace PaymentActors.Domain;

/// <summary>
/// FNV-1a 64-bit over UTF-16 code units: stable across processes, machines and .NET versions (unlike
/// <see cref="string.GetHashCode()"/>), so it may name things that are stored or compared across runs
/// (transaction fingerprints, derived ids, offset-store keys). Changing it changes those names.
/// </summary>
public static class Fnv1a
{
    public const ulong Offset = 14695981039346656037UL;
    public const ulong Prime = 1099511628211UL;

    /// <summary>The hash of <paramref name="text"/>.</summary>
    public static ulong Of(ReadOnlySpan<char> text) => Append(Offset, text);

    /// <summary>Continues <paramref name="hash"/> with <paramref name="text"/>.</summary>
    public static ulong Append(ulong hash, ReadOnlySpan<char> text)
    {
        foreach (var ch in text)
        {
            hash = (hash ^ ch) * Prime;
        }

        return hash;
    }

    /// <summary>Continues <paramref name="hash"/> with the eight bytes of <paramref name="value"/>, low byte first.</summary>
    public static ulong Append(ulong hash, ulong value)
    {
        for (var i = 0; i < 8; i++)
        {
            hash = (hash ^ (value & 0xFF)) * Prime;
            value >>= 8;
        }

        return hash;
    }
}
