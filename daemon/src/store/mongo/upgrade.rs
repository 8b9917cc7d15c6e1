//! `cpld migrate --upgrade`: writes into the original backend's documents, in place, the
//! fields that reads otherwise derive (docs/API.md): `created_at` of users and events from
//! their ObjectId's timestamp, and the counters the original did not keep as zero. Every
//! step only touches documents that lack the field, so running it again changes nothing.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Bson, DateTime as BsonDate};

use super::MongoStore;
use crate::store::StoreResult;

/// Counters a document may lack, by collection: missing means zero.
const COUNTERS: &[(&str, &str)] = &[
    ("users", "stats.events_created"),
    ("users", "stats.events_attended"),
    ("users", "stats.collectibles_count"),
    ("events", "room.current_participants"),
];

/// Collections whose `created_at` comes from the ObjectId when missing.
const CREATED: &[&str] = &["users", "events"];

/// One field backfilled (or, in a dry run, to be).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backfill {
    /// `collection.field`.
    pub field: String,
    /// Documents that lacked it (and got it, unless a dry run).
    pub documents: u64,
}

impl MongoStore {
    /// Backfills every derived field; what was (or, with `dry_run`, would be) written.
    /// Documents whose `_id` is not an ObjectId have no time to derive and are left alone.
    pub async fn backfill_derived(&self, dry_run: bool) -> StoreResult<Vec<Backfill>> {
        let op = "backfill derived fields";
        let mut out = Vec::new();
        for collection in CREATED {
            let missing =
                doc! { "created_at": { "$exists": false }, "_id": { "$type": "objectId" } };
            let mut n = 0;
            if dry_run {
                n = self
                    .col(collection)
                    .count_documents(missing)
                    .await
                    .map_err(|e| self.db_error(op, e))?;
            } else {
                let mut ids = self
                    .col(collection)
                    .find(missing)
                    .projection(doc! { "_id": 1 })
                    .await
                    .map_err(|e| self.db_error(op, e))?;
                while let Some(d) = ids.try_next().await.map_err(|e| self.db_error(op, e))? {
                    let Some(Bson::ObjectId(id)) = d.get("_id") else {
                        continue;
                    };
                    let at: BsonDate = id.timestamp();
                    // Conditional, so that a concurrent run (or a daemon) writing it first wins.
                    let r = self
                        .col(collection)
                        .update_one(
                            doc! { "_id": id, "created_at": { "$exists": false } },
                            doc! { "$set": { "created_at": at } },
                        )
                        .await
                        .map_err(|e| self.db_error(op, e))?;
                    n += r.modified_count;
                }
            }
            out.push(Backfill {
                field: format!("{collection}.created_at"),
                documents: n,
            });
        }
        for (collection, field) in COUNTERS {
            // Into an object or where there is none (then made); never over a null or a
            // value of another type, which the reads already report as damaged.
            let parent = field.split('.').next().unwrap_or(field);
            let missing = doc! {
                *field: { "$exists": false },
                "$or": [ { parent: { "$exists": false } }, { parent: { "$type": "object" } } ],
            };
            let n = if dry_run {
                self.col(collection).count_documents(missing).await
            } else {
                self.col(collection)
                    .update_many(missing, doc! { "$set": { *field: 0_i64 } })
                    .await
                    .map(|r| r.modified_count)
            }
            .map_err(|e| self.db_error(op, e))?;
            out.push(Backfill {
                field: format!("{collection}.{field}"),
                documents: n,
            });
        }
        Ok(out)
    }
}
