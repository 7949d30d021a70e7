using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace PaymentActors.Node.Cli;

/// <summary>A numeric option parsed invariantly and range-checked in one step, so every bad value is one error naming the option.</summary>
public static class NumberOption
{
    public static Option<T> Create<T>(string name, string description, T fallback, Func<T, bool> valid, string requirement)
        where T : INumber<T>
    {
        return new Option<T>(name)
        {
            Description = $"{description} (default {fallback.ToString(null, CultureInfo.InvariantCulture)})",
            DefaultValueFactory = _ => fallback,
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                if (T.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value) && valid(value))
                {
                    return value;
                }

                r.AddError($"{name}: '{text}' is not {requirement}");
                return fallback;
            },
        };
    }
}
