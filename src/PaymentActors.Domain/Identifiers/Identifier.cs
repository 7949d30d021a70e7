using System.Globalization;
using System.Text;

namespace PaymentActors.Domain.Identifiers;

/// <summary>
/// The grammar of account and transaction ids (docs/SECURITY.md, "Identifiers"):
/// <list type="bullet">
/// <item>1 to <see cref="MaxLength"/> UTF-16 code units, in Unicode normalisation form C (NFC), so that
///   two ids that look the same are the same string: no code point that NFC would change or compose with the
///   one before it (see <see cref="NfcUnstable"/>), and at most one combining mark after each character;</item>
/// <item>every character a letter, mark, number, punctuation or symbol (Unicode categories L, M, N, P, S),
///   or the ASCII space U+0020 between two other characters;</item>
/// <item>never a control (Cc), format (Cf: U+202E RIGHT-TO-LEFT OVERRIDE, U+200B ZERO WIDTH SPACE, U+FEFF …),
///   private-use, unassigned or lone surrogate code point, nor any other space or line/paragraph separator;</item>
/// <item>not starting with a combining mark (it would attach to whatever precedes the id when displayed).</item>
/// </list>
/// Ids that break the grammar are rejected, never repaired: an id is an idempotency key and a ledger key,
/// so silently normalising one would make two different requests collide or one request match nothing.
/// </summary>
public static class Identifier
{
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="id"/> follows the grammar; otherwise <paramref name="error"/> is "field: reason".</summary>
    public static bool TryValidate(string? id, string field, out string error)
    {
        error = Check(id) is { } reason ? $"{field}: {reason}" : "";
        return error.Length == 0;
    }

    private static string? Check(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "must not be empty";
        }

        if (id.Length > MaxLength)
        {
            return $"longer than {MaxLength} characters";
        }

        // Nearly every id is printable ASCII (U+0020..U+007E): no rule below rejects those but a space at either end, and
        // the scalar walk cost every transaction several lookups per character for each of its ids.
        if (id.AsSpan().IndexOfAnyExceptInRange(' ', '~') < 0)
        {
            return id[0] == ' ' || id[^1] == ' ' ? "must not start or end with a space" : null;
        }

        var index = 0;
        var previousWasMark = false;
        foreach (var status in EnumerateScalars(id))
        {
            if (status.Invalid)
            {
                return $"contains an unpaired surrogate at position {index}";
            }

            var rune = status.Rune;
            var category = Rune.GetUnicodeCategory(rune);
            if (rune.Value == ' ')
            {
                if (index == 0 || index + rune.Utf16SequenceLength == id.Length)
                {
                    return "must not start or end with a space";
                }
            }
            else if (Forbidden(category) is { } kind)
            {
                return $"contains {kind} U+{rune.Value:X4} at position {index}";
            }
            else if (NfcUnstable.Contains(rune.Value))
            {
                return $"is not in Unicode normalisation form C (NFC): U+{rune.Value:X4} at position {index}";
            }

            var isMark = category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
            if (isMark && index == 0)
            {
                return $"must not start with a combining mark (U+{rune.Value:X4})";
            }

            if (isMark && previousWasMark)
            {
                return $"has two combining marks in a row at position {index}";
            }

            previousWasMark = isMark;
            index += rune.Utf16SequenceLength;
        }

        return null;
    }

    private static string? Forbidden(UnicodeCategory category) => category switch
    {
        UnicodeCategory.Control => "a control character",
        UnicodeCategory.Format => "an invisible format character",
        UnicodeCategory.PrivateUse => "a private-use character",
        UnicodeCategory.OtherNotAssigned => "an unassigned code point",
        UnicodeCategory.Surrogate => "a surrogate",
        UnicodeCategory.SpaceSeparator => "a space other than U+0020",
        UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => "a line or paragraph separator",
        _ => null,
    };

    private readonly record struct Scalar(Rune Rune, bool Invalid);

    private static IEnumerable<Scalar> EnumerateScalars(string s)
    {
        for (var i = 0; i < s.Length;)
        {
            if (Rune.TryGetRuneAt(s, i, out var rune))
            {
                yield return new Scalar(rune, false);
                i += rune.Utf16SequenceLength;
            }
            else
            {
                yield return new Scalar(default, true);
                yield break;
            }
        }
    }
}
