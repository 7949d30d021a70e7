using System.Globalization;

namespace PaymentActors.Domain.Ingestion;

/// <summary>Event times as the formats give them: ISO-8601 or Unix milliseconds.</summary>
public static class Timestamps
{
    public static bool TryParse(string? text, out long ms)
    {
        ms = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out ms))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
        {
            ms = dto.ToUnixTimeMilliseconds();
            return true;
        }

        return false;
    }
}
