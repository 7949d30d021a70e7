using System.Data.Common;

namespace PaymentActors.Cluster.Hosting;

/// <summary>One parameterised statement on the journal's own database (the window and alert sinks' tables).</summary>
internal static class DbCommands
{
    public static void Execute(this DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        command.ExecuteNonQuery();
    }
}
