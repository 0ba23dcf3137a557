-- A farm's own detection models (issue #25 item 5, counting/ONNX.md): an ONNX file a farm admin uploads, kept in
-- object storage (the row holds its key, which never leaves the server), with the settings it is run with. At most
-- one is the farm's active model; none active: photos are counted with the classical detector.

create table detector_models (
  farm_id uuid not null references farms (id) on delete cascade,
  -- Made by the client before the upload: a resend of the same bytes and settings answers the first model.
  id uuid not null,
  name text not null check (length(name) between 1 and 200),
  -- The model's input W and H (the contract: float32 [1,3,H,W]).
  input_width integer not null check (input_width between 1 and 8192),
  input_height integer not null check (input_height between 1 and 8192),
  -- What each class id means, by index ('plant', 'empty_container' or null); null: the default ['plant', 'empty_container'].
  class_names jsonb check (class_names is null or jsonb_typeof(class_names) = 'array'),
  score_threshold double precision not null check (score_threshold between 0 and 1),
  nms_iou double precision not null check (nms_iou > 0 and nms_iou <= 1),
  fit text not null check (fit in ('letterbox', 'stretch')),
  size_bytes bigint not null check (size_bytes > 0),
  -- Hex SHA-256 of the model's bytes.
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text not null,
  -- The farm's choice: photos are counted with it.
  active boolean not null default false,
  created_by uuid references users (id) on delete set null,
  request_hash text,
  created_at timestamptz not null,
  primary key (farm_id, id)
);
create unique index detector_models_one_active on detector_models (farm_id) where active;
create index detector_models_by_time on detector_models (farm_id, created_at desc, id desc);
select croft_farm_rls('detector_models');

-- Which detector counted a session (recorded when it is counted; null before): the classical one, or the farm's
-- model then active. A model deleted since leaves the session's detector 'onnx' and its id null.
alter table photo_sessions
  add column detector text check (detector in ('classical', 'onnx')),
  add column detector_model_id uuid,
  add foreign key (farm_id, detector_model_id) references detector_models (farm_id, id)
    on delete set null (detector_model_id),
  add check (detector_model_id is null or detector = 'onnx');
