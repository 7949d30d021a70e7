using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Risk;

public enum RuleKind
{
    /// <summary>The transaction's own amount compared with a limit (per type and currency).</summary>
    AmountLimit,

    /// <summary>An aggregate (count, sum, avg, min, max) of the account's applied transactions in a sliding event-time window, this one included.</summary>
    Velocity,

    /// <summary>A TRANSFER or CASH_OUT taking at least Percent % of a positive balance (never more than the balance).</summary>
    BalanceDrain,

    /// <summary>The account received a draining transfer (≥ Percent % of the payer's balance) within the window and now moves out a similar amount (± TolerancePercent).</summary>
    DrainThenCashOut,

    /// <summary>A TRANSFER to a payee this account never paid, of at least Limit.</summary>
    NewPayeeLarge,

    /// <summary>A small transaction (below SmallLimit) followed within the window by one above Limit (card testing).</summary>
    SmallThenLarge,
}

public enum Aggregate
{
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

public enum Comparison
{
    Gt,
    Gte,
    Lt,
    Lte,
}

/// <summary>
/// A risk rule as data. Money limits are minor units of the rule's currency (or of the transaction's
/// currency when the rule has none). Versions only go up: a change is a new version of the same id.
/// </summary>
public sealed record RiskRule
{
    public required string Id { get; init; }
    public int Version { get; init; } = 1;
    public required RuleKind Kind { get; init; }
    public RiskAction Action { get; init; } = RiskAction.Flag;
    public bool Enabled { get; init; } = true;

    /// <summary>What the aggregate is grouped by; rules run inside one account, so "account" or "account+type".</summary>
    public string GroupingKey { get; init; } = "account";

    public Aggregate Aggregate { get; init; } = Aggregate.Count;
    public long WindowMs { get; init; }
    public Comparison Comparison { get; init; } = Comparison.Gt;
    public long? Limit { get; init; }
    public int Percent { get; init; } = 100;
    public int TolerancePercent { get; init; } = 10;
    public long SmallLimit { get; init; }

    /// <summary>Transaction types the rule looks at; empty: all.</summary>
    public IReadOnlyList<TransactionType> Types { get; init; } = [];

    public string? Currency { get; init; }
    public string Description { get; init; } = "";

    /// <summary>Null when valid; otherwise an error naming the rule and the field.</summary>
    public string? Validate()
    {
        string Error(string field, string why) => $"rule '{Id}': {field}: {why}";
        if (!TransactionValidation.TryValidateId(Id, "id", out var idError))
        {
            return $"rule: {idError}";
        }

        if (!Enum.IsDefined(Kind))
        {
            return Error("kind", "unknown rule kind");
        }

        if (!Enum.IsDefined(Aggregate))
        {
            return Error("aggregate", "unknown aggregate (count, sum, avg, min, max)");
        }

        if (!Enum.IsDefined(Comparison))
        {
            return Error("comparison", "unknown comparison (gt, gte, lt, lte)");
        }

        if (Action is not (RiskAction.Flag or RiskAction.Decline))
        {
            return Error("action", "must be flag or decline");
        }

        if (Version < 1)
        {
            return Error("version", "must be 1 or more");
        }

        if (Kind is RuleKind.Velocity or RuleKind.DrainThenCashOut or RuleKind.SmallThenLarge && WindowMs <= 0)
        {
            return Error("windowMs", "must be a positive duration");
        }

        if (WindowMs < 0)
        {
            return Error("windowMs", "must not be negative");
        }

        if (Kind is RuleKind.AmountLimit or RuleKind.Velocity or RuleKind.NewPayeeLarge or RuleKind.SmallThenLarge && Limit is null)
        {
            return Error("limit", "missing");
        }

        if (Kind is RuleKind.BalanceDrain or RuleKind.DrainThenCashOut && Percent is < 1 or > 100)
        {
            return Error("percent", "must be within 1..100");
        }

        if (TolerancePercent is < 0 or > 100)
        {
            return Error("tolerancePercent", "must be within 0..100");
        }

        if (Currency is not null && !Domain.Currency.TryFind(Currency, out _, out var currencyError))
        {
            return Error("currency", currencyError);
        }

        return null;
    }

    public override string ToString() => $"{Id}@{Version}";
}

/// <summary>
/// An immutable, versioned set of rules; evaluates every enabled rule and the strongest action wins
/// (decline &gt; flag &gt; approve). A rule that throws is switched off in this set, reported through
/// <see cref="Faults"/>, and the transaction is decided by the others.
/// </summary>
public sealed class RuleSet : IRiskEvaluator
{
    private readonly ConcurrentDictionary<string, string> _faults = new(StringComparer.Ordinal);

    public RuleSet(IReadOnlyList<RiskRule> rules, long version = 1)
    {
        Rules = rules;
        Version = version;
    }

    public static readonly RuleSet Empty = new([], 0);

    public IReadOnlyList<RiskRule> Rules { get; }
    public long Version { get; }

    /// <summary>Rules switched off because they threw, with the error.</summary>
    public IReadOnlyDictionary<string, string> Faults => _faults;

    public event Action<RiskRule, Exception>? RuleFaulted;

    /// <summary>Adds or replaces a rule; refused (with the reason) when invalid or not a newer version.</summary>
    public RuleSet With(RiskRule rule, out string? error)
    {
        error = rule.Validate();
        var existing = Rules.FirstOrDefault(r => r.Id == rule.Id);
        if (error is null && existing is not null && rule.Version <= existing.Version)
        {
            error = $"rule '{rule.Id}': version: {rule.Version} is not newer than {existing.Version}";
        }

        return error is not null ? this : new RuleSet(Rules.Where(r => r.Id != rule.Id).Append(rule).ToList(), Version + 1);
    }

    public RuleSet Disable(string id, out string? error)
    {
        var existing = Rules.FirstOrDefault(r => r.Id == id);
        if (existing is null)
        {
            error = $"rule '{id}': not found";
            return this;
        }

        error = null;
        return With(existing with { Enabled = false, Version = existing.Version + 1 }, out error);
    }

    public RiskAssessment Evaluate(AccountState account, TransactionRequest request)
    {
        List<RuleHit>? hits = null;
        var action = RiskAction.Approve;
        foreach (var rule in Rules)
        {
            if (!rule.Enabled || _faults.ContainsKey(rule.Id) || !Applies(rule, request))
            {
                continue;
            }

            string? reason;
            try
            {
                reason = RuleEvaluation.Fires(rule, account, request);
            }
            catch (Exception e)
            {
                _faults[rule.Id] = e.Message;
                RuleFaulted?.Invoke(rule, e);
                continue;
            }

            if (reason is not null)
            {
                (hits ??= []).Add(new RuleHit(rule.Id, rule.Version, reason));
                if (rule.Action > action)
                {
                    action = rule.Action;
                }
            }
        }

        return hits is null ? RiskAssessment.Clean : new RiskAssessment(action, hits);
    }

    private static bool Applies(RiskRule rule, TransactionRequest request) =>
        (rule.Types.Count == 0 || rule.Types.Contains(request.Type))
        && (rule.Currency is null || string.Equals(rule.Currency, request.CurrencyCode, StringComparison.OrdinalIgnoreCase));

    // ------------------------------------------------------------------ loading

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        Converters = { new TransactionTypeConverter(), new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Parses a rules document (<c>{"rules":[…]}</c>, docs/RISK.md); every rule is validated, the first error refuses the whole document.</summary>
    public static bool TryParse(string json, out RuleSet ruleSet, out string error)
    {
        ruleSet = Empty;
        try
        {
            var document = JsonSerializer.Deserialize<RulesDocument>(json, JsonOptions);
            if (document?.Rules is null)
            {
                error = "rules: missing \"rules\" array";
                return false;
            }

            foreach (var rule in document.Rules)
            {
                if (rule.Validate() is { } invalid)
                {
                    error = invalid;
                    return false;
                }
            }

            var duplicate = document.Rules.GroupBy(r => r.Id).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                error = $"rule '{duplicate.Key}': id: appears more than once";
                return false;
            }

            ruleSet = new RuleSet(document.Rules, document.Version ?? 1);
            error = "";
            return true;
        }
        catch (JsonException e)
        {
            error = e.Path is { Length: > 0 } path ? $"rules: {path}: {FirstSentence(e.Message)}" : $"rules: {e.Message}";
            return false;
        }
    }

    /// <summary>Parses one rule (the ask API and CLI take rules one at a time).</summary>
    public static bool TryParseRule(string json, out RiskRule? rule, out string error)
    {
        try
        {
            rule = JsonSerializer.Deserialize<RiskRule>(json, JsonOptions);
            error = rule?.Validate() ?? (rule is null ? "rule: empty" : "");
            return rule is not null && error.Length == 0;
        }
        catch (JsonException e)
        {
            rule = null;
            error = e.Path is { Length: > 0 } path ? $"rule: {path}: {FirstSentence(e.Message)}" : $"rule: {e.Message}";
            return false;
        }
    }

    private static string FirstSentence(string message) => message.Split(". ")[0];

    public string ToJson() => JsonSerializer.Serialize(new RulesDocument { Version = Version, Rules = Rules.ToList() }, JsonOptions);

    /// <summary>The default rule set, shipped with the code (Risk/default-rules.json).</summary>
    public static RuleSet Default { get; } = LoadDefault();

    private static RuleSet LoadDefault()
    {
        using var stream = typeof(RuleSet).Assembly.GetManifestResourceStream("PaymentActors.Domain.Risk.default-rules.json")
            ?? throw new InvalidOperationException("rules: embedded default-rules.json is missing");
        using var reader = new StreamReader(stream);
        return TryParse(reader.ReadToEnd(), out var set, out var error) ? set : throw new InvalidOperationException(error);
    }

    private sealed class RulesDocument
    {
        public long? Version { get; init; }
        public List<RiskRule>? Rules { get; init; }
    }

    private sealed class TransactionTypeConverter : JsonConverter<TransactionType>
    {
        public override TransactionType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TransactionTypes.TryParse(reader.GetString(), out var t) ? t : throw new JsonException($"types: '{reader.GetString()}' is not a transaction type");

        public override void Write(Utf8JsonWriter writer, TransactionType value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToWire());
    }
}

/// <summary>The semantics of each rule kind. Returns the reason when the rule fires, null otherwise. Pure.</summary>
public static class RuleEvaluation
{
    public static string? Fires(RiskRule rule, AccountState account, TransactionRequest request) => rule.Kind switch
    {
        RuleKind.AmountLimit => Compare(request.AmountMinor, rule.Comparison, rule.Limit!.Value)
            ? $"amount {request.AmountMinor} {Symbol(rule.Comparison)} {rule.Limit}" : null,
        RuleKind.Velocity => Velocity(rule, account, request),
        RuleKind.BalanceDrain => Drain(rule, account, request),
        RuleKind.DrainThenCashOut => DrainThenCashOut(rule, account, request),
        RuleKind.NewPayeeLarge => request.Type == TransactionType.Transfer && request.Counterparty is { } payee
            && !account.KnownPayees.Contains(payee) && request.AmountMinor >= rule.Limit!.Value
            ? $"first transfer to {payee}, amount {request.AmountMinor} >= {rule.Limit}" : null,
        RuleKind.SmallThenLarge => SmallThenLarge(rule, account, request),
        _ => throw new InvalidOperationException($"rule '{rule.Id}': kind: {rule.Kind} is not evaluable"),
    };

    private static string? Velocity(RiskRule rule, AccountState account, TransactionRequest request)
    {
        var from = request.EventTimeMs - rule.WindowMs;
        long count = 1, sum = request.AmountMinor, min = request.AmountMinor, max = request.AmountMinor;
        foreach (var r in account.Recent)
        {
            if (r.EventTimeMs > from && r.EventTimeMs <= request.EventTimeMs && r.Status is TransactionStatus.Approved or TransactionStatus.Flagged
                && (rule.GroupingKey != "account+type" || r.Type == request.Type))
            {
                count++;
                sum += r.AmountMinor;
                min = Math.Min(min, r.AmountMinor);
                max = Math.Max(max, r.AmountMinor);
            }
        }

        var value = rule.Aggregate switch
        {
            Aggregate.Count => count,
            Aggregate.Sum => sum,
            Aggregate.Avg => sum / count,
            Aggregate.Min => min,
            Aggregate.Max => max,
            _ => throw new InvalidOperationException($"rule '{rule.Id}': aggregate: {rule.Aggregate} unknown"),
        };
        return Compare(value, rule.Comparison, rule.Limit!.Value)
            ? $"{rule.Aggregate.ToString().ToLowerInvariant()} over {rule.WindowMs / 1000} s = {value} {Symbol(rule.Comparison)} {rule.Limit}"
            : null;
    }

    private static string? Drain(RiskRule rule, AccountState account, TransactionRequest request)
    {
        if (request.Type is not (TransactionType.Transfer or TransactionType.CashOut))
        {
            return null;
        }

        var balance = account.IsOpen ? account.BalanceMinor : request.OpeningBalanceMinor ?? 0;
        // Taking more than the balance is an overdraft, not a drain (funds rules handle it).
        return balance > 0 && request.AmountMinor <= balance && request.AmountMinor * 100 >= balance * (long)rule.Percent
            ? $"takes {request.AmountMinor * 100 / balance}% of the balance {balance}" : null;
    }

    private static string? DrainThenCashOut(RiskRule rule, AccountState account, TransactionRequest request)
    {
        if (request.Type is not (TransactionType.CashOut or TransactionType.Transfer))
        {
            return null;
        }

        foreach (var incoming in account.IncomingTransfers)
        {
            var drained = incoming.PayerBalanceBeforeMinor > 0 && incoming.AmountMinor * 100 >= incoming.PayerBalanceBeforeMinor * (long)rule.Percent;
            var recent = request.EventTimeMs - incoming.EventTimeMs is >= 0 and var age && age <= rule.WindowMs;
            var similar = Math.Abs(request.AmountMinor - incoming.AmountMinor) * 100 <= incoming.AmountMinor * (long)rule.TolerancePercent;
            if (drained && recent && similar)
            {
                return $"moves out {request.AmountMinor} after receiving {incoming.AmountMinor} from {incoming.PayerId}, which drained it";
            }
        }

        return null;
    }

    private static string? SmallThenLarge(RiskRule rule, AccountState account, TransactionRequest request)
    {
        if (request.AmountMinor <= rule.Limit!.Value)
        {
            return null;
        }

        foreach (var r in account.Recent)
        {
            if (r.AmountMinor < rule.SmallLimit && request.EventTimeMs - r.EventTimeMs is >= 0 and var age && age <= rule.WindowMs
                && r.Status is TransactionStatus.Approved or TransactionStatus.Flagged)
            {
                return $"{request.AmountMinor} right after a small {r.AmountMinor} ({(request.EventTimeMs - r.EventTimeMs) / 1000} s)";
            }
        }

        return null;
    }

    private static bool Compare(long value, Comparison comparison, long limit) => comparison switch
    {
        Comparison.Gt => value > limit,
        Comparison.Gte => value >= limit,
        Comparison.Lt => value < limit,
        Comparison.Lte => value <= limit,
        _ => throw new InvalidOperationException($"comparison: {comparison} unknown"),
    };

    private static string Symbol(Comparison c) => c switch
    {
        Comparison.Gt => ">",
        Comparison.Gte => ">=",
        Comparison.Lt => "<",
        _ => "<=",
    };
}
