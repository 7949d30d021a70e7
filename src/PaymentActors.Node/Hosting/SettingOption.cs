using System.CommandLine;
using System.Collections.Concurrent;

namespace PaymentActors.Node.Hosting;

/// <summary>
/// A flag that is also a configuration key: <c>--data-dir</c> ↔ <c>DataDir</c> ↔ <c>PAYMENTS_DATA_DIR</c>.
/// The flag is parsed and type-checked by System.CommandLine; its value, when given, overrides the environment
/// and appsettings in <see cref="NodeSettingsBinder.BuildConfiguration"/>.
/// </summary>
public abstract class SettingOption
{
    private static readonly ConcurrentDictionary<string, string> FlagsByKey = new(StringComparer.OrdinalIgnoreCase);

    protected SettingOption(string key, string flag)
    {
        Key = key;
        FlagsByKey[key] = flag;
    }

    public string Key { get; }
    public abstract Option Option { get; }

    /// <summary>The value given on the command line, invariant text; null when the flag was not given.</summary>
    public abstract string? ValueIn(ParseResult parse);

    /// <summary>The flag for a configuration key, for error messages ("Port" → "--port").</summary>
    public static string FlagForKey(string key) => FlagsByKey.TryGetValue(key, out var flag) ? flag : key;

    /// <summary>Declares <paramref name="flag"/> on <paramref name="command"/>, bound to configuration key <paramref name="key"/>.</summary>
    public static SettingOption<T> Add<T>(Command command, string flag, string key, string description)
    {
        var setting = new SettingOption<T>(flag, key, description);
        command.Options.Add(setting.Option);
        return setting;
    }
}

public sealed class SettingOption<T>(string flag, string key, string description) : SettingOption(key, flag)
{
    private readonly Option<T> _option = new(flag) { Description = $"{description} [env: {NodeSettingsBinder.EnvironmentPrefix}{ToEnvName(key)}]" };

    public override Option Option => _option;

    public override string? ValueIn(ParseResult parse) =>
        parse.GetResult(_option) is { Implicit: false } && parse.GetValue(_option) is { } value ? NodeSettingsBinder.Invariant(value) : null;

    private static string ToEnvName(string key) =>
        string.Concat(key.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));
}
